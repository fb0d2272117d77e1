"""The case table's fillfactor, kept with the deadline watch that needs it.

On PostgreSQL, leave a fifth of each page of the case table free (fillfactor 80), so that an
update which touches no indexed column (the deadline scan's overdue marks and supervision
orders move only the history head, version and updated_at) can be a HOT update: the new row
version on the same page, none of the table's 41 indexes touched. On full pages each such
update wrote an entry into every index: at 1,000,000 cases the scan's ~62,000 head moves
cost ~14 s (bench_deadlines). Measured at 100,000 cases, EXPLAIN (ANALYZE, WAL) of the scan's
UPDATE … FROM unnest over 5,000 overdue cases: 165k WAL records and 1.7 s on full pages,
92k and 0.7 s at fillfactor 80 (about half HOT: cases received together fall due together
and share pages, and one page has room for one new version within a transaction), 57k at
70 (two thirds HOT, for a table 1.43 times the size instead of 1.25).

A case row is ~1.2 KB (p90 1.4 KB). The setting applies to pages written from now on; an
existing table gains the room as its rows are rewritten, or at once by `VACUUM FULL
petitions_petition` in a maintenance window. SQLite has no such setting."""

from django.db import migrations

FILLFACTOR = 80


def fillfactor_set(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE petitions_petition SET (fillfactor = {FILLFACTOR})")


def fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE petitions_petition RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("workflow", "0010_petitioner_merge"),
        ("petitions", "0020_subject_trigram_sqlite"),
    ]

    operations = [migrations.RunPython(fillfactor_set, fillfactor_reset)]
