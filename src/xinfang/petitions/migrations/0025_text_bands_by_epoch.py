"""A stored band key carries its case's epoch (case id >> 18, textindex.EPOCH_BITS) in its
high 32 bits, so a lookup asks the index epoch by epoch, newest first, and stops after
textindex.READ_CAP rows instead of reading every case that shares a key (a text registered
140 times was 140 rows and more). PostgreSQL: the `bands` arrays of cases past the first
epoch are rewritten with the GIN index dropped and built again, and the lookup function is
replaced by one taking the epoch size and the cap; at 1M cases that rewrites 740k rows and
rebuilds the index (minutes). SQLite: the band rows' keys of cases past the first epoch."""

from django.db import migrations

TEXT, BAND = "petitions_petitiontext", "petitions_petitionband"
OLD_FUNCTION = "petitions_text_candidates"
FUNCTION = "petitions_text_candidates_newest"  # textindex.CANDIDATES_FUNCTION
EPOCH_BITS = 18  # textindex.EPOCH_BITS when this migration was written
GIN = (
    f"CREATE INDEX petitions_text_bands ON {TEXT} USING gin (bands) WITH (fastupdate = off)"
)

# Epoch by epoch from the newest (the case ids' high bits), at most `cap` rows in all: the
# last epoch reached gives the rows its bitmap scan meets first. Sequential scans are off
# for the reason given in 0023 (the planner knows nothing of 64 rare keys).
NEWEST = f"""
CREATE FUNCTION {FUNCTION}(keys bigint[], epoch_bits integer, cap integer)
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
            WHERE t.bands && ARRAY(SELECT k | (epoch << 32) FROM unnest(keys) k)
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
    """Rewrite the keys of cases past the first epoch (`key_sql` of the key, `{k}`)."""
    first = 1 << EPOCH_BITS
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute(
            f"UPDATE {BAND} SET key = {key_sql.format(k='key')} WHERE petition_id >= {first}"
        )
        return
    # Foreign-key checks still deferred in this transaction would forbid the DROP INDEX.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute("DROP INDEX petitions_text_bands")
    schema_editor.execute(
        f"UPDATE {TEXT} SET bands = ARRAY(SELECT {key_sql.format(k='k')} FROM unnest(bands) "
        f"WITH ORDINALITY AS b(k, n) ORDER BY n) WHERE petition_id >= {first}"
    )
    schema_editor.execute(GIN)
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def forward(apps, schema_editor):
    _rewrite(schema_editor, f"{{k}} | ((petition_id >> {EPOCH_BITS}) << 32)")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION {OLD_FUNCTION}(bigint[])")
        schema_editor.execute(NEWEST)


def backward(apps, schema_editor):
    _rewrite(schema_editor, "{k} & 4294967295")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION {FUNCTION}(bigint[], integer, integer)")
        schema_editor.execute(OLD)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0024_state_received_covering")]

    operations = [migrations.RunPython(forward, backward)]
