"""On SQLite only, the subjects in an FTS5 trigram index kept by triggers: the search's
"subject contains the query as typed" (`petitions.search._found_otherwise`) then asks this
index for a query of three characters or more instead of scanning every subject (migration
0015's index stays for the shorter ones). External content (the subject is not stored
twice); the triggers keep it current whatever writes a case: the ORM, the ledger import's
plain rows, a restore. PostgreSQL's ILIKE keeps its scan."""

from django.db import migrations

TABLE = "petitions_subject_trigram"
TRIGGERS = {
    "petitions_subject_trigram_ai": (
        "AFTER INSERT ON petitions_petition BEGIN "
        f"INSERT INTO {TABLE} (rowid, subject) VALUES (new.id, new.subject); END"
    ),
    "petitions_subject_trigram_ad": (
        "AFTER DELETE ON petitions_petition BEGIN "
        f"INSERT INTO {TABLE} ({TABLE}, rowid, subject) VALUES ('delete', old.id, old.subject); "
        "END"
    ),
    "petitions_subject_trigram_au": (
        "AFTER UPDATE OF subject ON petitions_petition BEGIN "
        f"INSERT INTO {TABLE} ({TABLE}, rowid, subject) VALUES ('delete', old.id, old.subject); "
        f"INSERT INTO {TABLE} (rowid, subject) VALUES (new.id, new.subject); END"
    ),
}


def index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE {TABLE} USING fts5(subject, content = 'petitions_petition', "
        "content_rowid = 'id', tokenize = 'trigram')"
    )
    for name, body in TRIGGERS.items():
        schema_editor.execute(f"CREATE TRIGGER {name} {body}")
    schema_editor.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')")


def index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0019_petition_sms_consent")]

    operations = [migrations.RunPython(index_create, index_drop)]
