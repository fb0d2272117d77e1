"""A stored band key carries its case's epoch (case id >> 18, textindex.EPOCH_BITS) in its
low 16 bits (textindex.EPOCH_FIELD; the key shifted left by as many), so a lookup asks the
index epoch by epoch, newest first, and stops after textindex.READ_CAP rows instead of
reading every case that shares a key (a text registered 140 times was 140 rows and more);
a key's epochs are neighbours in the index, so an epoch's probe reads the pages the one
before read. PostgreSQL: every `bands` array is rewritten with the GIN index dropped and
built again, and the lookup function is replaced by one taking the epoch size and field and
the cap; at 1M cases that rewrites every text row and rebuilds the index (minutes). SQLite:
every band row's key."""

from django.db import migrations

TEXT, BAND = "petitions_petitiontext", "petitions_petitionband"
OLD_FUNCTION = "petitions_text_candidates"
FUNCTION = "petitions_text_candidates_newest"  # textindex.CANDIDATES_FUNCTION
EPOCH_BITS = 18  # textindex.EPOCH_BITS when this migration was written
EPOCH_FIELD = 16  # textindex.EPOCH_FIELD
GIN = (
    f"CREATE INDEX petitions_text_bands ON {TEXT} USING gin (bands) WITH (fastupdate = off)"
)

# Epoch by epoch from the newest (the case ids' high bits), at most `cap` rows in all: the
# last epoch reached gives the rows its bitmap scan meets first. Sequential scans are off
# for the reason given in 0023 (the planner knows nothing of 64 rare keys).
NEWEST = f"""
CREATE FUNCTION {FUNCTION}(keys bigint[], epoch_bits integer, epoch_field integer, cap integer)
RETURNS TABLE (petition_id bigint, sketch bytea) LANGUAGE plpgsql STABLE
SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
    epoch bigint;
    left_over integer := cap;
    n integer;
BEGIN
    SELECT max(t.petition_id) >> epoch_bits INTO epoch FROM {TEXT} t;
    WHILE epoch >= 0 AND left_over > 0 LOOP
        RETURN QUERY SELECT t.petition_id, t.sketch FROM {TEXT} t
            WHERE t.bands && ARRAY(SELECT (k << epoch_field) | epoch FROM unnest(keys) k)
            LIMIT left_over;
        GET DIAGNOSTICS n = ROW_COUNT;
        left_over := left_over - n;
        epoch := epoch - 1;
    END LOOP;
END $$
"""
OLD = (
    f"CREATE FUNCTION {OLD_FUNCTION}(keys bigint[]) "
    "RETURNS TABLE (petition_id bigint, sketch bytea) LANGUAGE sql STABLE "
    f"SET enable_seqscan = off AS $$ SELECT petition_id, sketch FROM {TEXT} "
    "WHERE bands && keys $$"
)


def _rewrite(schema_editor, key_sql: str) -> None:
    """Rewrite every stored key (`key_sql` of the key, `{k}`)."""
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(f"UPDATE {BAND} SET key = {key_sql.format(k='key')}")
        return
    # Foreign-key checks still deferred in this transaction would forbid the DROP INDEX.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute("DROP INDEX petitions_text_bands")
    schema_editor.execute(
        f"UPDATE {TEXT} SET bands = ARRAY(SELECT {key_sql.format(k='k')} FROM unnest(bands) "
        "WITH ORDINALITY AS b(k, n) ORDER BY n)"
    )
    schema_editor.execute(GIN)
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def forward(apps, schema_editor):
    _rewrite(schema_editor, f"({{k}} << {EPOCH_FIELD}) | (petition_id >> {EPOCH_BITS})")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION {OLD_FUNCTION}(bigint[])")
        schema_editor.execute(NEWEST)


def backward(apps, schema_editor):
    _rewrite(schema_editor, f"{{k}} >> {EPOCH_FIELD}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION {FUNCTION}(bigint[], integer, integer, integer)")
        schema_editor.execute(OLD)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0024_state_received_covering")]

    operations = [migrations.RunPython(forward, backward)]
