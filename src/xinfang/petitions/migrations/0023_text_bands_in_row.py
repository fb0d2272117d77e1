"""PostgreSQL: a case's 64 LSH band keys move from PetitionBand rows into one `bigint[]`
column of its PetitionText row with a GIN index (petitions/textindex.py), so registering a
case writes one row instead of 65 and a lookup reads the candidates' sketches in one query.
SQLite keeps the band rows. The column is not a model field: only textindex.py reads and
writes it, in SQL, and Django's flush empties it with the table. At 1M cases the move
rewrites every text row once (minutes)."""

from django.db import migrations

TEXT, BAND = "petitions_petitiontext", "petitions_petitionband"
FUNCTION = "petitions_text_candidates"  # textindex.CANDIDATES_FUNCTION


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # Foreign-key checks still deferred in this transaction would forbid the ALTER TABLE.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(f"ALTER TABLE {TEXT} ADD COLUMN bands bigint[]")
    schema_editor.execute(
        f"UPDATE {TEXT} t SET bands = b.keys FROM (SELECT petition_id, "
        f"array_agg(key ORDER BY id) AS keys FROM {BAND} GROUP BY petition_id) b "
        "WHERE t.petition_id = b.petition_id"
    )
    schema_editor.execute(f"TRUNCATE {BAND}")
    # fastupdate off: a pending list makes every lookup scan it and one insert in a few
    # thousand pay for merging it.
    schema_editor.execute(
        f"CREATE INDEX petitions_text_bands ON {TEXT} USING gin (bands) "
        "WITH (fastupdate = off)"
    )
    # The lookup (textindex.DbSketchStore.candidates). With 64 keys of unknown frequency the
    # planner guesses a quarter of the table shares one and scans it all (2 s at 100k, where
    # the index answers in 1 ms); in a function of its own, with sequential scans off for
    # it alone, the index is used whatever the guess.
    schema_editor.execute(
        f"CREATE FUNCTION {FUNCTION}(keys bigint[]) "
        "RETURNS TABLE (petition_id bigint, sketch bytea) LANGUAGE sql STABLE "
        f"SET enable_seqscan = off AS $$ SELECT petition_id, sketch FROM {TEXT} "
        "WHERE bands && keys $$"
    )
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    schema_editor.execute(
        f"INSERT INTO {BAND} (key, petition_id) SELECT b.key, t.petition_id FROM {TEXT} t, "
        "unnest(t.bands) WITH ORDINALITY AS b(key, n) ORDER BY t.petition_id, b.n"
    )
    schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
    schema_editor.execute(f"DROP FUNCTION {FUNCTION}(bigint[])")
    schema_editor.execute(f"ALTER TABLE {TEXT} DROP COLUMN bands")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0022_petition_open_target")]

    operations = [migrations.RunPython(forward, backward)]
