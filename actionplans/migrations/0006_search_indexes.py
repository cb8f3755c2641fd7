"""GIN indexes for the portal's search (evaluation/search.py) on PostgreSQL.

Each index is on exactly the expression the search builds with
``SearchVector(*fields, config="norwegian")``, so ``to_tsvector(...) @@ query`` uses it: the
progress comments (the largest table: 25 per milestone), the milestones and the actions. Other
databases search without full text (``icontains``) and get no index.
"""

from django.db import migrations

INDEXES = {
    "progressupdate_comment_fts": ("actionplans_progressupdate", ["comment"]),
    "milestone_text_fts": ("actionplans_milestone", ["title", "description"]),
    "action_text_fts": ("actionplans_action", ["number", "title", "description", "partners"]),
}


def _expression(columns):
    return " || ' ' || ".join(f"COALESCE(\"{column}\", '')" for column in columns)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f"USING gin (to_tsvector('norwegian'::regconfig, {_expression(columns)}))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("actionplans", "0005_attachment"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
