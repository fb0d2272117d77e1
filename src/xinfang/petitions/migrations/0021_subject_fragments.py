"""Indexes for "the subject contains the query as typed" (`petitions.search._subject_ids`)
that serve fragments of two characters too, so no such query scans every subject.

PostgreSQL: the pg_trgm extension (trusted: a database owner may create it) and a GIN
trigram index on the upper-cased subject, the expression Django's `icontains` compares
(`UPPER(subject::text) LIKE UPPER('%q%')`), which the planner uses when q has three
characters or more; for two, a GIN index over the upper-cased subject's pairs of characters
(`petitions_subject_pairs(subject)`, an immutable SQL function), asked with
`@> ARRAY[upper(q)]`; the LIKE itself is still made on the rows found.

SQLite: migration 0020's trigram index already holds every three characters of every
subject; an fts5vocab table over it lists them, so the subjects with a trigram starting with
the two characters are a range of its terms, and those ending in them (no trigram starts
there) an index on `lower(substr(subject, -2))` (lower() and LIKE fold ASCII alike).
"""

from django.db import migrations

PAIRS_FUNCTION = "petitions_subject_pairs"
SQLITE_VOCAB = "petitions_subject_trigram_terms"
SQLITE_END_INDEX = "petitions_subject_end2"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS petitions_subject_trgm ON petitions_petition "
            "USING GIN ((UPPER(subject::text)) gin_trgm_ops)"
        )
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {PAIRS_FUNCTION}(text) RETURNS text[] "
            "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
            "SELECT coalesce(array_agg(DISTINCT substr(upper($1), i, 2)), '{}') "
            "FROM generate_series(1, char_length($1) - 1) AS i $$"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS petitions_subject_pairs_gin ON petitions_petition "
            f"USING GIN ({PAIRS_FUNCTION}(subject))"
        )
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_VOCAB} "
            "USING fts5vocab(petitions_subject_trigram, instance)"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {SQLITE_END_INDEX} ON petitions_petition "
            "(lower(substr(subject, -2)))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS petitions_subject_pairs_gin")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PAIRS_FUNCTION}(text)")
        schema_editor.execute("DROP INDEX IF EXISTS petitions_subject_trgm")
        # The extension stays: other objects may use it by now.
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SQLITE_END_INDEX}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {SQLITE_VOCAB}")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0020_subject_trigram_sqlite")]

    operations = [migrations.RunPython(create, drop)]
