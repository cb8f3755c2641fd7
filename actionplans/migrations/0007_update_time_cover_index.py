"""An index for the dashboard's «Siden forrige møte» on PostgreSQL (issue #14).

The dashboard lists the newest progress updates of a plan's milestones since a moment: the
newest first, so PostgreSQL walks the updates of every agreement backwards in time until it has
found enough of the plan's. With the milestone in the index beside the time and id, that walk
reads the index alone (an index-only scan) instead of fetching every update it passes from the
table: about 4 000 table rows for the 51 it keeps at county scale (2-4 ms), against 24 index
pages (under 1 ms). ``selectors.changes_since`` reads the ids this way in a subquery. Other
databases get no index (SQLite has no INCLUDE; its tests have a few rows).
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

NAME = "update_time_cover"


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "actionplans_progressupdate" '
        '("created_at", "id") INCLUDE ("milestone_id")'
    )


def drop(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


class Migration(migrations.Migration):
    dependencies = [
        ("actionplans", "0006_search_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
