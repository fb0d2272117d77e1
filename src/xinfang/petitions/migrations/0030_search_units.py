"""PostgreSQL: each search document carries the ids of the units its case is linked to
(`petitions_search.units`, the case-unit links' units), and the GIN index holds them beside
the words, so a search asks the index for the hits linked to the reader's units in one scan
(`search._newest_indexed_hits`): a street office read a heap page for every hit of a word,
visible or not, to learn its case id and ask its links (~5,300 pages at 1M for 物业 电梯).
The links are still asked of the hits found (`visible_ids_among`): the units only narrow
what is read, visibility is decided as before.

Kept by triggers, firing also in a bench's fill (`session_replication_role = replica`): a new
document takes its case's units (a document rewritten keeps them), and every statement that
adds, changes or removes links rewrites the units of the documents of the cases it touched.
SQLite: nothing (its FTS5 index is asked as before).
"""

from django.db import migrations

UNITS_FUNCTION = "petitions_search_units"

CREATE = [
    # The table written anew with the units, not updated in place: an update leaves every
    # row's old version beside it (twice the table until a vacuum after the migration) and
    # the new index unusable (pg_index.indcheckxmin) while any older transaction runs.
    "CREATE TABLE petitions_search_new (petition_id bigint PRIMARY KEY, "
    "document tsvector NOT NULL, units bigint[] NOT NULL DEFAULT '{}')",
    "INSERT INTO petitions_search_new (petition_id, document, units) "
    "SELECT s.petition_id, s.document, coalesce(l.units, '{}') FROM petitions_search s "
    "LEFT JOIN (SELECT petition_id, array_agg(DISTINCT unit_id ORDER BY unit_id) AS units "
    "FROM petitions_petitionunit GROUP BY petition_id) l ON l.petition_id = s.petition_id "
    "ORDER BY s.petition_id",
    "DROP TABLE petitions_search",
    "ALTER TABLE petitions_search_new RENAME TO petitions_search",
    "ALTER INDEX petitions_search_new_pkey RENAME TO petitions_search_pkey",
    "SET LOCAL maintenance_work_mem = '256MB'",
    "CREATE INDEX petitions_search_document ON petitions_search USING GIN (document, units)",
    "RESET maintenance_work_mem",
    "ANALYZE petitions_search",  # `search._units_narrowing` asks the statistics
    f"CREATE OR REPLACE FUNCTION {UNITS_FUNCTION}(bigint) RETURNS bigint[] "
    "LANGUAGE sql STABLE STRICT AS $$ "
    "SELECT coalesce(array_agg(DISTINCT unit_id ORDER BY unit_id), '{}') "
    "FROM petitions_petitionunit WHERE petition_id = $1 $$",
    # A new document (or one whose units were never set) takes its case's units.
    "CREATE OR REPLACE FUNCTION petitions_search_units_new() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"IF cardinality(NEW.units) = 0 THEN NEW.units := {UNITS_FUNCTION}(NEW.petition_id); "
    "END IF; RETURN NEW; END $$",
    "CREATE TRIGGER petitions_search_units_new BEFORE INSERT OR UPDATE OF document "
    "ON petitions_search FOR EACH ROW EXECUTE FUNCTION petitions_search_units_new()",
    "ALTER TABLE petitions_search ENABLE ALWAYS TRIGGER petitions_search_units_new",
    # The cases whose links a statement changed: their documents' units read again.
    "CREATE OR REPLACE FUNCTION petitions_search_units_links() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    f"UPDATE petitions_search s SET units = n.units FROM (SELECT c.petition_id, "
    f"{UNITS_FUNCTION}(c.petition_id) AS units FROM (SELECT DISTINCT petition_id "
    "FROM changed_links) c) n WHERE s.petition_id = n.petition_id "
    "AND s.units IS DISTINCT FROM n.units; RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER petitions_search_units_{event.lower()} AFTER {event} "
        f"ON petitions_petitionunit REFERENCING {table} TABLE AS changed_links "
        "FOR EACH STATEMENT EXECUTE FUNCTION petitions_search_units_links()"
        for event, table in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    ),
    *(
        f"ALTER TABLE petitions_petitionunit ENABLE ALWAYS TRIGGER petitions_search_units_{e}"
        for e in ("insert", "update", "delete")
    ),
]

DROP = [
    *(
        f"DROP TRIGGER IF EXISTS petitions_search_units_{e} ON petitions_petitionunit"
        for e in ("insert", "update", "delete")
    ),
    "DROP TRIGGER IF EXISTS petitions_search_units_new ON petitions_search",
    "DROP FUNCTION IF EXISTS petitions_search_units_links()",
    "DROP FUNCTION IF EXISTS petitions_search_units_new()",
    f"DROP FUNCTION IF EXISTS {UNITS_FUNCTION}(bigint)",
    "DROP INDEX IF EXISTS petitions_search_document",
    "ALTER TABLE petitions_search DROP COLUMN IF EXISTS units",
    "CREATE INDEX petitions_search_document ON petitions_search USING GIN (document)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0029_event_actor_where_set")]

    operations = [migrations.RunPython(create, drop)]
