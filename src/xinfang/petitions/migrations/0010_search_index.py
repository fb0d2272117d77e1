"""The full-text search index of cases (petitions/search.py): an FTS5 table on SQLite, a
tsvector column with a GIN index on PostgreSQL. Existing cases are indexed with
`xinfang textindex` (the migration does not cut words). The PostgreSQL table has no foreign key:
Django's flush truncates only its models' tables, and a key to petitions_petition made every
flush fail; rows of deleted cases are dropped after each migrate or flush (petitions/apps.py)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TABLE petitions_search (petition_id bigint PRIMARY KEY, "
            "document tsvector NOT NULL)"
        )
        schema_editor.execute(
            "CREATE INDEX petitions_search_document ON petitions_search USING GIN (document)"
        )
    else:
        schema_editor.execute(
            "CREATE VIRTUAL TABLE petitions_fts USING fts5(words, tokenize = 'unicode61')"
        )


def drop(apps, schema_editor):
    table = "petitions_search" if schema_editor.connection.vendor == "postgresql" else "petitions_fts"
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0009_text_index")]

    operations = [migrations.RunPython(create, drop)]
