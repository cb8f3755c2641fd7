"""The progress update's milestone without an index of its own (issue #14): the composite index
``update_milestone_time`` (milestone, newest first) begins with the same column and serves every
lookup by milestone, and PostgreSQL, given the single-column index, chose it for the dashboard's
status-change counts and filtered the window's updates out of each milestone's whole history
(2.1 ms at county scale, against 0.7-1.0 ms through the composite index). On PostgreSQL this
drops the index; SQLite rebuilds the table, as it does for any changed column.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('actionplans', '0007_update_time_cover_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='progressupdate',
            name='milestone',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='updates', to='actionplans.milestone', verbose_name='milepæl'),
        ),
    ]
