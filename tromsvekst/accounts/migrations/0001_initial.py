# PasswordMail and OutgoingMail, moved here from the audit app: only the migration state is
# created; the tables audit.0003/0004 made (audit_passwordmail, audit_outgoingmail) are kept, rows
# and all (db_table). audit.0005 removes the models from the audit app's state.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_types_follow(apps, schema_editor):
    """Existing content types (and so permissions) of the two models move with them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in ("passwordmail", "outgoingmail"):
        if not ContentType.objects.using(db).filter(app_label="accounts", model=model).exists():
            ContentType.objects.using(db).filter(app_label="audit", model=model).update(
                app_label="accounts"
            )


def content_types_go_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in ("passwordmail", "outgoingmail"):
        if not ContentType.objects.using(db).filter(app_label="audit", model=model).exists():
            ContentType.objects.using(db).filter(app_label="accounts", model=model).update(
                app_label="audit"
            )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("audit", "0004_outbox_and_requester"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PasswordMail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="sendt"
                            ),
                        ),
                        (
                            "requester",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="avsender-nøkkel"
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="bruker",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "sendt passordlenke",
                        "verbose_name_plural": "sendte passordlenker",
                        "db_table": "audit_passwordmail",
                        "indexes": [
                            models.Index(
                                fields=["user", "-sent_at"], name="audit_password_mail_user"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="OutgoingMail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("melding", "Melding"), ("passord", "Passordlenke")],
                                max_length=10,
                                verbose_name="type",
                            ),
                        ),
                        ("to", models.EmailField(max_length=254, verbose_name="til")),
                        (
                            "subject",
                            models.CharField(blank=True, max_length=300, verbose_name="emne"),
                        ),
                        ("body", models.TextField(blank=True, verbose_name="tekst")),
                        (
                            "requester",
                            models.CharField(
                                blank=True, max_length=64, verbose_name="avsender-nøkkel"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="lagt i kø"
                            ),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="behandlet"),
                        ),
                        (
                            "result",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("", "Venter"),
                                    ("sendt", "Sendt"),
                                    ("ingen", "Ingen bruker med adressen (ingenting sendt)"),
                                    ("holdt", "Holdt tilbake av grensen for passordlenker"),
                                    ("feilet", "Ga opp etter flere forsøk"),
                                ],
                                default="",
                                max_length=10,
                                verbose_name="resultat",
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveSmallIntegerField(default=0, verbose_name="forsøk"),
                        ),
                        (
                            "last_error",
                            models.CharField(blank=True, max_length=300, verbose_name="siste feil"),
                        ),
                    ],
                    options={
                        "verbose_name": "utgående e-post",
                        "verbose_name_plural": "utgående e-post",
                        "ordering": ["created_at", "pk"],
                        "db_table": "audit_outgoingmail",
                        "indexes": [
                            models.Index(
                                fields=["sent_at", "created_at"], name="audit_outbox_waiting"
                            ),
                            models.Index(
                                fields=["requester", "created_at"], name="audit_outbox_requester"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back),
    ]
