"""GIN indexes for the portal's search (evaluation/search.py) on PostgreSQL, on the agreement's
own texts: the agreement (its eleven text fields together), its sub-goals and its strategies.

As in actionplans 0006, each index is on exactly the expression the search builds with
``SearchVector(*fields, config="norwegian")``. Without them every search computed the text
vector of every strategy (5 ms at county scale) and of every agreement's whole text (3.5 ms for
ten agreements, ten times that at national scale). Other databases get no index.
"""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

AGREEMENT_TEXTS = [
    "title",
    "overall_goal",
    "introduction",
    "knowledge_basis",
    "focus_areas_intro",
    "collaboration_structure",
    "central_themes_intro",
    "administrative_follow_up",
    "long_term_effects_intro",
    "evaluation_text",
    "process_intro",
]
INDEXES = {
    "agreement_text_fts": ("agreements_agreement", AGREEMENT_TEXTS),
    "subgoal_text_fts": ("agreements_subgoal", ["text"]),
    "strategy_text_fts": ("agreements_strategy", ["text"]),
}


def _expression(columns: list[str]) -> str:
    return " || ' ' || ".join(f"COALESCE(\"{column}\", '')" for column in columns)


def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f"USING gin (to_tsvector('norwegian'::regconfig, {_expression(columns)}))"
        )


def drop(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0005_setup_case_number_and_revisions"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
