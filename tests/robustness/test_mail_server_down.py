"""The e-mail server is down: the portal keeps serving, and reminders are neither lost nor doubled.

"Down" is real, not a mock: Django's SMTP backend connects to a port on 127.0.0.1 where nothing
listens, to a server that answers ``421`` and hangs up, or to one that never says a word (the
connection times out). "Up" is a small SMTP server in this module, so the messages really go
over SMTP and are counted on arrival.

No view sends e-mail while the user waits: the password link and invitations go through the
outbox (``tromsvekst.accounts.outbox``), tested with the mail server down in ``tests/security/``; ``test_only_known_modules_send_mail`` makes sure no
other module starts sending e-mail without the same care.
"""

import datetime
import re
import smtplib
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.mail import get_connection
from django.core.management import CommandError, call_command
from django.urls import reverse

from actionplans.models import Action, ActionPlan, Milestone, SentReminder
from agreements.models import Coordinator, Meeting, Party, SubGoal
from tests.factories import oslo
from tests.helpers.smtp import SMTPServer, closed_port

TODAY = datetime.date(2026, 5, 4)
TONE = "tone.koordinator@test.invalid"
PER = "per.politiker@test.invalid"
DIGEST = "Milepæler som trenger oppfølging: Hålogaland"
NOTICE = "Møte om 7 dager: Vårmøte 2026, mandag 11. mai 2026 kl. 10.00"


@pytest.fixture
def smtp(settings):
    """``smtp(port)`` points Django's SMTP backend at 127.0.0.1:port; servers stop at the end."""
    servers = []
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1

    def point_at(port: int) -> None:
        settings.EMAIL_PORT = port

    def start(mode: str = "up", refuse: set[str] = frozenset()) -> SMTPServer:
        server = SMTPServer(mode, refuse)
        servers.append(server)
        point_at(server.port)
        return server

    point_at.start = start
    yield point_at
    for server in servers:
        server.stop()


@pytest.fixture(params=["closed port", "421 at greeting", "no answer"])
def mail_down(request, smtp):
    """The mail server is down, in one of three ways; a real connection attempt fails."""
    if request.param == "closed port":
        smtp(closed_port())
    else:
        smtp.start("421" if request.param.startswith("421") else "silent")
    with pytest.raises((OSError, smtplib.SMTPException)):
        get_connection().open()
    return request.param


# --- The portal, with something to remind about -------------------------------------------------


@pytest.fixture
def portal(agreement, coordinator, reader, settings):
    """Tone's overdue milestone (never updated: also stale) and «Vårmøte 2026» seven days after
    ``TODAY`` with Tone and Per: one digest and two meeting notices are due on ``TODAY``."""
    settings.SITE_URL = "https://tromsvekst.example.no"
    plan = ActionPlan.objects.create(
        agreement=agreement, start_year=2025, end_year=2026, status=ActionPlan.PlanStatus.ADOPTED
    )
    action = Action.objects.create(
        plan=plan,
        number="1.1-1",
        title="Felles boligstrategi",
        sub_goal=SubGoal.objects.get(agreement=agreement, code="1.1"),
    )
    milestone = Milestone.objects.create(
        action=action,
        title="Kartlegge boligbehovet",
        due_date=datetime.date(2026, 4, 30),
        responsible=Coordinator.objects.get(agreement=agreement, user=coordinator),
        # Made early in the plan period: "no update for 60 days" counts from when it was made.
        created_at=oslo(2025, 1, 10, 9),
    )
    meeting = Meeting.objects.create(
        agreement=agreement,
        title="Vårmøte 2026",
        kind=Meeting.Kind.PHYSICAL,
        status=Meeting.Status.PLANNED,
        start=oslo(2026, 5, 11, 10),
        end=oslo(2026, 5, 11, 12),
        place="Harstad rådhus",
        inviting_party=Party.objects.get(slug="halogalandsradet"),
    )
    meeting.participants.set([coordinator, reader])
    return plan, milestone, meeting


def send_reminders() -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("send_reminders", "--today", TODAY.isoformat(), stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


ALL_THREE = sorted([(PER, NOTICE), (TONE, DIGEST), (TONE, NOTICE)])


# --- Reminders ----------------------------------------------------------------------------------


def test_reminders_that_failed_are_sent_on_the_next_run_once(portal, mail_down, smtp):
    out, err, failed = send_reminders()

    # Run 1, mail server down: a soft failure, nothing recorded as sent.
    assert failed is not None and failed.returncode == 1
    assert str(failed) == ("3 e-mail(s) could not be sent; they will be retried on the next run.")
    assert out.strip().splitlines()[-1] == (
        "Sent 0 e-mails: 0 digests, 0 meeting notices; 3 failed."
    )
    assert "Failed to send digest to tone.koordinator@test.invalid; will retry next run." in err
    assert not SentReminder.objects.exists()

    # Run 2, the server is back: each reminder goes out, exactly once.
    server = smtp.start()
    out, err, failed = send_reminders()

    assert failed is None, err
    assert "Sent 3 e-mails: 1 digest, 2 meeting notices; 0 failed." in out
    assert server.mails() == ALL_THREE
    assert SentReminder.objects.count() == 4  # the digest's overdue and stale items, 2 notices

    # Run 3: nothing new to say.
    out, err, failed = send_reminders()

    assert failed is None, err
    assert "Sent 0 e-mails: 0 digests, 0 meeting notices; 0 failed." in out
    assert server.mails() == ALL_THREE


def test_a_recipient_refused_for_now_gets_it_later_and_the_others_not_again(portal, smtp):
    server = smtp.start(refuse={"per.politiker@test.invalid"})

    out, err, failed = send_reminders()

    assert failed is not None and failed.returncode == 1
    assert "Sent 2 e-mails: 1 digest, 1 meeting notice; 1 failed." in out
    assert "Failed to send meeting to per.politiker@test.invalid; will retry next run." in err
    assert server.mails() == [(TONE, DIGEST), (TONE, NOTICE)]

    server.refuse.clear()
    out, err, failed = send_reminders()
    assert failed is None, err
    assert "Sent 1 e-mail: 0 digests, 1 meeting notice; 0 failed." in out

    out, err, failed = send_reminders()
    assert failed is None, err
    assert "Sent 0 e-mails" in out
    assert server.mails() == ALL_THREE


# --- Pages --------------------------------------------------------------------------------------


def test_pages_answer_while_the_mail_server_is_down(
    portal, smtp, client_for, coordinator, reader, agreement
):
    smtp(closed_port())
    with pytest.raises(OSError):
        get_connection().open()  # really down
    plan, milestone, meeting = portal
    slug = agreement.slug
    pages = [
        reverse("home"),
        reverse("agreements:agreement-list"),
        reverse("agreements:agreement-detail", args=[slug]),
        reverse("actionplans:dashboard", args=[slug]),
        reverse("actionplans:plan-list", args=[slug]),
        reverse("actionplans:plan-detail", args=[plan.pk]),
        reverse("actionplans:milestone-detail", args=[milestone.pk]),
        reverse("agreements:meeting-schedule", args=[slug]),
        reverse("agreements:meeting-detail", args=[meeting.pk]),
        reverse("agreements:meeting-ics", args=[meeting.pk]),
        reverse("actionplans:meeting-brief", args=[meeting.pk]),
        reverse("evaluation:evaluation-list", args=[slug]),
    ]
    for user in (reader, coordinator):
        client = client_for(user)
        for page in pages:
            response = client.get(page, follow=True)  # the front page goes to the dashboard
            assert response.status_code == 200, (user.username, page)
            assert all("logg-inn" not in url for url, _status in response.redirect_chain)
    anonymous = client_for(None)
    for page in [reverse("login"), reverse("agreements:agreement-detail", args=[slug])]:
        assert anonymous.get(page).status_code == 200, page

    # Work goes on too: logging progress sends no mail and is saved.
    saved = client_for(coordinator).post(
        reverse("actionplans:progress-log", args=[milestone.pk]),
        {"status": "on_track", "percent": "40", "comment": "", "evidence_url": "", "version": "0"},
    )
    assert saved.status_code == 302
    milestone.refresh_from_db()
    assert (milestone.status, milestone.percent) == ("on_track", 40)


# --- Who sends e-mail ---------------------------------------------------------------------------

# The modules that send e-mail, and where their behaviour with the mail server down is tested.
SENDS_MAIL = {
    "actionplans/reminders.py": "this module",
    "tromsvekst/accounts/forms.py": "tests/security/test_password_links.py",
    # Password and invitation e-mails: sent after the response or by send_outbox, retried.
    "tromsvekst/accounts/outbox.py": "tests/security/test_password_outbox.py, "
    "tests/security/test_invitations.py",
}
MAIL_API = re.compile(
    r"\b(send_mail|send_mass_mail|mail_admins|mail_managers|EmailMessage|"
    r"EmailMultiAlternatives|send_messages|get_connection)\b"
)


def test_only_known_modules_send_mail():
    """A new place that sends e-mail must handle a mail server that is down (catch ``OSError``
    and ``smtplib.SMTPException``, tell the user in Norwegian) and be tested for it, then listed
    in ``SENDS_MAIL``."""
    root = Path(django_settings.BASE_DIR)
    found = set()
    for app in ["tromsvekst", "agreements", "actionplans", "evaluation"]:
        for path in (root / app).rglob("*.py"):
            relative = path.relative_to(root).as_posix()
            if "/migrations/" in relative:
                continue
            if MAIL_API.search(path.read_text(encoding="utf-8")):
                found.add(relative)
    assert found <= set(SENDS_MAIL), f"sends e-mail, not known to handle SMTP down: {found}"
    assert "actionplans/reminders.py" in found
