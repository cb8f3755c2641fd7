"""Fixtures for the PDF checks: the demo data (``manage.py load_demo``), built once per module in a
transaction that is rolled back, and both PDFs (the evaluation report and the meeting brief)
rendered through their views as the demo administrator, once in the development configuration
and once as production runs: ``DEBUG=False``, ``collectstatic`` into a temporary ``STATIC_ROOT``
with the manifest storage (hashed names).

``development`` and ``production`` are ``{"report" | "brief": (PDF bytes, WeasyPrint's log)}``.
"""

import logging
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from agreements.loader import agreement_load, read_agreement_file
from agreements.models import Meeting
from evaluation.models import Evaluation
from tests.factories import AGREEMENT_FILE

from ._pdf_checks import production_settings


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _render_both(client: Client, evaluation: Evaluation, meeting: Meeting) -> dict:
    """{name: (PDF bytes, WeasyPrint's log messages)} for the report and the brief."""
    out = {}
    for name, url in [
        ("report", reverse("evaluation:evaluation-pdf", args=[evaluation.pk])),
        ("brief", reverse("actionplans:meeting-brief-pdf", args=[meeting.pk])),
    ]:
        records = _Records()
        weasyprint_log = logging.getLogger("weasyprint")
        weasyprint_log.addHandler(records)
        try:
            response = client.get(url)
        finally:
            weasyprint_log.removeHandler(records)
        assert response.status_code == 200, (name, response.content[:300])
        assert response["Content-Type"] == "application/pdf"
        out[name] = (response.content, records.messages)
    return out


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, kept for the module and rolled back afterwards: (evaluation, meeting)."""
    with django_db_blocker.unblock(), transaction.atomic():
        name = connection.settings_dict["NAME"]
        assert "memory" in name or "test" in name, f"not a test database: {name}"
        agreement_load(data=read_agreement_file(AGREEMENT_FILE))
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            call_command("load_demo", stdout=StringIO())
        evaluation = Evaluation.objects.get(is_example=True, kind=Evaluation.Kind.MID_TERM)
        # The meeting with the most to say: the last one held before the next planned one.
        meeting = (
            Meeting.objects.filter(agreement=evaluation.agreement, status=Meeting.Status.PLANNED)
            .order_by("start")
            .first()
        )
        assert meeting is not None
        yield evaluation, meeting
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def admin_client(demo, django_db_blocker) -> Client:
    client = Client()
    with django_db_blocker.unblock():
        client.force_login(User.objects.get(username="admin"))
    return client


@pytest.fixture(scope="module")
def static_root(tmp_path_factory, django_db_blocker):
    """STATIC_ROOT filled by ``collectstatic`` with the manifest storage, as in production."""
    root = tmp_path_factory.mktemp("staticfiles")
    with production_settings(root):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert any(root.glob("css/report-pdf.*.css")), "collectstatic made no hashed stylesheet"
    return root


@pytest.fixture(scope="module")
def development(demo, admin_client, django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        return _render_both(admin_client, *demo)


@pytest.fixture(scope="module")
def production(demo, admin_client, static_root, django_db_blocker) -> dict:
    with django_db_blocker.unblock(), production_settings(static_root):
        return _render_both(admin_client, *demo)
