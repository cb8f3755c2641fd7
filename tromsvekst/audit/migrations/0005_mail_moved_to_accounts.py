# PasswordMail and OutgoingMail moved to the accounts app (tromsvekst/accounts/models.py). Only
# the migration state changes: their tables (audit_passwordmail, audit_outgoingmail) stay where
# they are, with their rows; accounts.0001_initial takes them over.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_outbox_and_requester"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="PasswordMail"),
                migrations.DeleteModel(name="OutgoingMail"),
            ],
            database_operations=[],
        ),
    ]
