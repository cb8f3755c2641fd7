"""Milestone.created_at (so that "no update for 60 days" counts from creation) and an optional
due date (a milestone carried over to a new plan waits for a new deadline instead of getting an
invented one). Milestones that exist already keep created_at empty: when they were made is not
known, and the reminders then count from the plan's first day as before."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actionplans", "0003_milestone_due_date_change"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="milestone",
            options={
                "ordering": [
                    models.OrderBy(models.F("due_date"), nulls_last=True),
                    "order",
                    "pk",
                ],
                "verbose_name": "milepæl",
                "verbose_name_plural": "milepæler",
            },
        ),
        # Added without a default first, so that existing rows stay empty (unknown) ...
        migrations.AddField(
            model_name="milestone",
            name="created_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="opprettet"),
        ),
        # ... then new rows get the time they are made.
        migrations.AlterField(
            model_name="milestone",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                editable=False,
                null=True,
                verbose_name="opprettet",
            ),
        ),
        migrations.AlterField(
            model_name="milestone",
            name="due_date",
            field=models.DateField(blank=True, null=True, verbose_name="frist"),
        ),
    ]
