"""An index on the subject, on SQLite only: the search's "subject contains the query as
typed" is then a scan of this index (`petitions.search.search_q`), not of every case's row
with its content. PostgreSQL's ILIKE cannot use a btree index, so it gets none."""

from django.db import migrations

INDEX = "petitions_petition_subject_scan"


def index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON petitions_petition (subject)"
        )


def index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0014_indicator_date_indexes")]

    operations = [migrations.RunPython(index_create, index_drop)]
