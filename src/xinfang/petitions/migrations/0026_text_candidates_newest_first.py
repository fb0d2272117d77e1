"""PostgreSQL: the similar-case lookup's function takes, of the last epoch it reaches, the
newest of its candidates (ORDER BY petition_id DESC), not the first its bitmap scan meets
(table order: roughly the epoch's oldest). A text registered more than textindex.READ_CAP
times within one epoch (262,144 cases) was shown its oldest copies; now its latest. That
epoch's every match is then read to sort it (its ids, not its words), where before the scan
stopped at the cap. SQLite's lookup (textindex._band_rows_candidates) orders alike."""

from importlib import import_module

from django.db import migrations

# 0025's function (epoch by epoch from the newest, at most `cap` rows), replaced in place.
BEFORE = import_module("xinfang.petitions.migrations.0025_text_bands_by_epoch").NEWEST.replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"
)
# `+ 0`: ordered by the bare id, the planner walks the primary key backwards testing each
# row's keys, hoping to meet `cap` matches soon: for a text with few it read every row of
# the table (minutes at 1M). The bitmap scan of the GIN index, then a sort of its matches.
AFTER = BEFORE.replace("LIMIT left_over;", "ORDER BY t.petition_id + 0 DESC LIMIT left_over;")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AFTER)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BEFORE)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0025_text_bands_by_epoch")]

    operations = [migrations.RunPython(forward, backward)]
