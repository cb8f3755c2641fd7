"""``manage.py send_reminders``: the coordinators' milestone digest and the meeting notice.

The run date is given with ``--today``; e-mails land in pytest-django's ``mailoutbox`` (the locmem
backend). See ``actionplans.reminders`` for the rules and how repeats are avoided.
"""

import datetime
import smtplib
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from actionplans.models import Milestone, SentReminder
from agreements.models import Coordinator, Meeting, Party
from tests.factories import oslo

SITE = "https://tromsvekst.example.no"
TODAY = datetime.date(2026, 5, 4)  # a Monday
SEND_MESSAGES = "django.core.mail.backends.locmem.EmailBackend.send_messages"


@pytest.fixture(autouse=True)
def site_url(db, settings):
    # ``db`` first: setting up the test database replaces ``mail.outbox``, so ``mailoutbox``
    # must come after it.
    settings.SITE_URL = SITE


def run(today: datetime.date = TODAY, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("send_reminders", "--today", today.isoformat(), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def html_of(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def appointment(user: User, agreement) -> Coordinator:
    return Coordinator.objects.get(user=user, agreement=agreement)


@pytest.fixture
def kari(agreement) -> User:
    """Kari Koordinator, coordinator of ``agreement`` for Hålogalandsrådet."""
    user = User.objects.create(
        username="kari.koordinator",
        first_name="Kari",
        last_name="Koordinator",
        email="kari@test.invalid",
    )
    Coordinator.objects.create(
        agreement=agreement,
        user=user,
        party=Party.objects.get(slug="halogalandsradet"),
        role=Coordinator.Role.COORDINATOR,
    )
    return user


@pytest.fixture
def work(agreement, plan, make_action, make_milestone, log_at, coordinator, reader, kari):
    """Milestones in the 2025–2026 plan, as they stand on ``TODAY`` (4 May 2026).

    Tone's: ``overdue`` (due 30 April, updated 25 April), ``stale`` (due in December, last update
    1 February), ``never`` (due in November, never updated), ``fresh`` (updated 20 April, due
    10 May), ``done`` (overdue but done), ``cancelled`` (overdue but cancelled).
    Kari's: ``karis_fresh`` (updated 28 April). Per's (a reader): ``readers`` (overdue).
    """
    d = datetime.date
    tone = appointment(coordinator, agreement)
    action = make_action(plan, "1.1-1", title="Felles boligstrategi")

    def milestone(title, due, who=tone):
        return make_milestone(action, title, due=due, responsible=who)

    ms = {
        "overdue": milestone("Kartlegge boligbehovet", d(2026, 4, 30)),
        "stale": milestone("Utkast til boligstrategi", d(2026, 12, 1)),
        "never": milestone("Høringssvar til regional plan", d(2026, 11, 15)),
        "fresh": milestone("Boligseminar", d(2026, 5, 10)),
        "done": milestone("Oppstartsmøte", d(2026, 1, 31)),
        "cancelled": milestone("Messestand", d(2026, 2, 28)),
        "karis_fresh": milestone("Næringsforum", d(2026, 9, 30), appointment(kari, agreement)),
        "readers": milestone("Politisk forankring", d(2026, 3, 1), appointment(reader, agreement)),
    }
    # All made early in the plan period, long before ``TODAY``.
    Milestone.objects.filter(pk__in=[m.pk for m in ms.values()]).update(
        created_at=oslo(2025, 2, 3, 9)
    )
    log_at(ms["overdue"], coordinator, "on_track", 60, oslo(2026, 4, 25, 12))
    log_at(ms["stale"], coordinator, "on_track", 10, oslo(2026, 2, 1, 9))
    log_at(ms["fresh"], coordinator, "on_track", 50, oslo(2026, 4, 20, 14))
    log_at(ms["done"], coordinator, "done", 100, oslo(2026, 1, 20, 10))
    log_at(ms["cancelled"], coordinator, "cancelled", 0, oslo(2026, 2, 1, 10))
    log_at(ms["karis_fresh"], kari, "on_track", 30, oslo(2026, 4, 28, 10))
    for milestone_ in ms.values():
        milestone_.refresh_from_db()
    return ms


# --- the milestone digest -----------------------------------------------------------------------


def test_one_digest_per_coordinator_with_only_their_milestones(mailoutbox, work, coordinator):
    run()

    assert len(mailoutbox) == 1  # nothing for Kari (all fresh), nothing for Per (a reader)
    (mail,) = mailoutbox
    assert mail.to == ["Tone Koordinator <tone.koordinator@test.invalid>"]
    assert mail.subject == "Milepæler som trenger oppfølging: Hålogaland"
    body = mail.body
    for listed in ("Kartlegge boligbehovet", "Utkast til boligstrategi", "Høringssvar"):
        assert listed in body
    for left_out in ("Boligseminar", "Oppstartsmøte", "Messestand", "Næringsforum", "forankring"):
        assert left_out not in body


def test_digest_says_why_in_norwegian_with_links(mailoutbox, work, agreement):
    run()

    body = mailoutbox[0].body
    assert body.startswith("Hei Tone,")
    assert "(ny siden forrige påminnelse)" not in body  # the first digest: all is news
    assert "Forfalt: fristen er passert." in body
    assert "Frist: 30. april 2026" in body
    assert "Ingen statusoppdatering siden 1. februar 2026." in body
    assert "Ingen statusoppdatering ennå." in body
    for key in ("overdue", "stale", "never"):
        pk = work[key].pk
        assert f"Se milepælen: {SITE}/milepaeler/{pk}/" in body
        assert f"Oppdater status: {SITE}/milepaeler/{pk}/status/" in body
    assert f"{SITE}/avtaler/{agreement.slug}/oversikt/" in body
    html = html_of(mailoutbox[0])
    assert f'href="{SITE}/milepaeler/{work["overdue"].pk}/status/"' in html
    assert "Ingen statusoppdatering siden 1. februar 2026." in html


def test_digest_escapes_typed_text_in_html(mailoutbox, work):
    work["overdue"].title = "Boliger <b>&</b> tomter"
    work["overdue"].save(update_fields=["title"])

    run()

    (mail,) = mailoutbox
    assert "Boliger <b>&</b> tomter" in mail.body  # plain text stays as typed
    html = html_of(mail)
    assert "Boliger &lt;b&gt;&amp;&lt;/b&gt; tomter" in html
    assert "<b>&</b>" not in html


def test_no_digest_without_anything_to_report(mailoutbox, work, log_at, coordinator):
    for key in ("overdue", "stale", "never"):
        log_at(work[key], coordinator, "done", 100, oslo(2026, 5, 1, 12))

    out, _err = run()

    assert mailoutbox == []
    assert "Sent 0 e-mails: 0 digests, 0 meeting notices; 0 failed." in out


def test_second_run_sends_nothing_new(mailoutbox, work):
    run()
    run()
    run(TODAY + datetime.timedelta(days=1))

    assert len(mailoutbox) == 1
    # One key per reported item: overdue, stale, and never updated (stale).
    assert SentReminder.objects.filter(key__startswith="digest:").count() == 3


def test_a_newly_overdue_milestone_brings_a_new_digest(mailoutbox, work):
    run()
    # «Boligseminar» is due 10 May: on 11 May it is overdue.
    run(datetime.date(2026, 5, 11))

    assert len(mailoutbox) == 2
    second = mailoutbox[1].body
    assert "Boligseminar (ny siden forrige påminnelse)" in second
    assert "Kartlegge boligbehovet" in second  # still open, so still listed…
    assert "Kartlegge boligbehovet (ny" not in second  # …but not as news


def test_closing_one_milestone_does_not_resend_the_rest(mailoutbox, work, log_at, coordinator):
    run()
    log_at(work["stale"], coordinator, "done", 100, oslo(2026, 5, 4, 15))

    run(TODAY + datetime.timedelta(days=1))

    assert len(mailoutbox) == 1


def test_stale_again_after_a_later_update(mailoutbox, work, log_at, coordinator):
    log_at(work["fresh"], coordinator, "done", 100, oslo(2026, 5, 3, 9))
    run()
    log_at(work["stale"], coordinator, "on_track", 20, oslo(2026, 5, 5, 9))
    run(datetime.date(2026, 6, 1))
    assert len(mailoutbox) == 1  # updated less than a month ago: fine

    run(datetime.date(2026, 7, 10))  # more than 60 days after 5 May

    tones = [mail for mail in mailoutbox if "tone" in mail.to[0]]
    assert len(tones) == 2
    assert "Utkast til boligstrategi (ny siden forrige påminnelse)" in tones[1].body
    assert "Ingen statusoppdatering siden 5. mai 2026." in tones[1].body


def test_no_stale_nagging_before_the_plan_has_run_60_days(
    mailoutbox, agreement, make_action, make_milestone, coordinator
):
    from actionplans.models import ActionPlan

    plan = ActionPlan.objects.create(
        agreement=agreement, start_year=2027, end_year=2028, status=ActionPlan.PlanStatus.ADOPTED
    )
    action = make_action(plan, "1.1-1")
    made = make_milestone(
        action,
        "Ny milepæl",
        due=datetime.date(2027, 6, 30),
        responsible=appointment(coordinator, agreement),
    )
    Milestone.objects.filter(pk=made.pk).update(created_at=oslo(2026, 12, 1, 9))

    run(datetime.date(2027, 2, 15))
    assert mailoutbox == []
    run(datetime.date(2027, 3, 3))  # 61 days after 1 January

    assert len(mailoutbox) == 1
    assert "Ingen statusoppdatering ennå." in mailoutbox[0].body


def test_a_milestone_made_today_is_not_stale(mailoutbox, work, make_milestone, coordinator):
    # Issue 11, finding 10: "no update for 60 days" counts from when the milestone was made, not
    # from the plan's first day (1 January 2025, long before ``TODAY``).
    new = make_milestone(
        work["fresh"].action,
        "Ny milepæl i dag",
        due=datetime.date(2026, 10, 1),
        responsible=appointment(coordinator, work["fresh"].action.plan.agreement),
    )
    Milestone.objects.filter(pk=new.pk).update(created_at=oslo(2026, 5, 4, 8))

    run()
    assert "Ny milepæl i dag" not in "".join(mail.body for mail in mailoutbox)

    run(datetime.date(2026, 7, 3))  # 60 days after 4 May: not yet
    assert "Ny milepæl i dag" not in "".join(mail.body for mail in mailoutbox)

    run(datetime.date(2026, 7, 4))  # 61 days

    bodies = "".join(mail.body for mail in mailoutbox)
    assert "Ny milepæl i dag" in bodies


def test_a_milestone_with_unknown_creation_counts_from_the_plans_first_day(
    mailoutbox, work, coordinator
):
    # Milestones made before creation times were recorded behave as before.
    Milestone.objects.filter(pk=work["never"].pk).update(created_at=None)

    run()

    assert "Høringssvar til regional plan" in mailoutbox[0].body


def test_inactive_coordinator_gets_nothing(mailoutbox, work, coordinator):
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])

    run()

    assert mailoutbox == []


# --- the meeting notice -------------------------------------------------------------------------


@pytest.fixture
def meeting(add_meeting, coordinator, reader):
    """«Vårmøte 2026» on Monday 11 May 2026 at 10:00, seven days after ``TODAY``, with Tone
    and Per as participants."""
    made = add_meeting("Vårmøte 2026", oslo(2026, 5, 11, 10))
    made.place = "Harstad rådhus"
    made.save(update_fields=["place"])
    made.participants.set([coordinator, reader])
    return made


def _notices(mailoutbox):
    return [mail for mail in mailoutbox if "Møte om" in mail.subject or "Nytt" in mail.subject]


def test_notice_seven_days_ahead_to_each_participant(mailoutbox, meeting, admin_user):
    run(TODAY - datetime.timedelta(days=1))  # eight days ahead: not yet
    assert mailoutbox == []

    out, _err = run()

    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "Per Politiker <per.politiker@test.invalid>",
        "Tone Koordinator <tone.koordinator@test.invalid>",
    ]  # not Ada Admin, who is no participant
    assert "Sent 2 e-mails: 0 digests, 2 meeting notices; 0 failed." in out
    mail = next(m for m in mailoutbox if "tone" in m.to[0])
    assert mail.subject == "Møte om 7 dager: Vårmøte 2026, mandag 11. mai 2026 kl. 10.00"
    assert mail.body.startswith("Hei Tone,")
    assert "Om 7 dager er det møte i Tromsvekstavtalen for Hålogalandsregionen:" in mail.body
    assert "Når: mandag 11. mai 2026 kl. 10.00–12.00" in mail.body
    assert "Sted: Harstad rådhus" in mail.body
    assert f"Les møtebriefen før møtet: {SITE}/avtaler/moter/{meeting.pk}/brief/" in mail.body
    assert f"{SITE}/avtaler/moter/{meeting.pk}/kalender.ics" in mail.body
    assert f'href="{SITE}/avtaler/moter/{meeting.pk}/brief/"' in html_of(mail)


def test_notice_is_never_sent_twice(mailoutbox, meeting):
    run()
    run()
    for days in range(1, 7):
        run(TODAY + datetime.timedelta(days=days))

    assert len(mailoutbox) == 2
    assert SentReminder.objects.filter(key__startswith=f"meeting:{meeting.pk}:").count() == 2


def test_missed_run_is_caught_up(mailoutbox, meeting):
    run(TODAY + datetime.timedelta(days=4))  # the cron job did not run on the 4th

    assert len(mailoutbox) == 2
    assert mailoutbox[0].subject.startswith("Møte om 3 dager:")


def test_notice_the_day_before_is_singular(mailoutbox, meeting):
    run(datetime.date(2026, 5, 10))

    assert mailoutbox[0].subject.startswith("Møte om 1 dag:")
    assert "Om 1 dag er det møte" in mailoutbox[0].body


def test_no_notice_on_the_day_or_after(mailoutbox, meeting):
    run(datetime.date(2026, 5, 11))
    run(datetime.date(2026, 5, 12))

    assert mailoutbox == []


def test_local_date_decides_not_utc(mailoutbox, add_meeting, coordinator):
    # 00:30 on 11 May in Oslo is still 10 May in UTC.
    early = add_meeting("Frokostmøte", oslo(2026, 5, 11, 0, 30))
    early.participants.set([coordinator])

    run(datetime.date(2026, 5, 3))  # 10 May (UTC) would be seven days ahead of this
    assert mailoutbox == []
    run()

    assert len(mailoutbox) == 1


@pytest.mark.parametrize("status", [Meeting.Status.DRAFT, Meeting.Status.CANCELLED])
def test_no_notice_for_drafts_or_cancelled(mailoutbox, meeting, status):
    meeting.status = status
    meeting.save(update_fields=["status"])

    run()

    assert mailoutbox == []


def test_moved_meeting_gets_a_new_notice(mailoutbox, meeting):
    run()
    meeting.start = oslo(2026, 5, 12, 9)
    meeting.end = oslo(2026, 5, 12, 11)
    meeting.save(update_fields=["start", "end"])

    run(TODAY + datetime.timedelta(days=1))

    assert len(mailoutbox) == 4
    moved = mailoutbox[2]
    assert moved.subject == "Nytt tidspunkt: Vårmøte 2026, tirsdag 12. mai 2026 kl. 09.00"
    assert "Møtet har fått nytt tidspunkt." in moved.body


def test_notice_escapes_typed_text_in_html(mailoutbox, meeting):
    meeting.title = "Møte <script>alert(1)</script>"
    meeting.place = "Rådhuset & <i>kantina</i>"
    meeting.save(update_fields=["title", "place"])

    run()

    html = html_of(mailoutbox[0])
    assert "<script>" not in html
    assert "Møte &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Rådhuset &amp; &lt;i&gt;kantina&lt;/i&gt;" in html
    assert "Sted: Rådhuset & <i>kantina</i>" in mailoutbox[0].body


def test_digital_meeting_notice_has_the_video_link(mailoutbox, add_meeting, coordinator):
    digital = add_meeting("Høstmøte", oslo(2026, 5, 11, 13), kind=Meeting.Kind.DIGITAL)
    digital.video_link = "https://teams.example/m/1"
    digital.save(update_fields=["video_link"])
    digital.participants.set([coordinator])

    run()

    assert "Lenke til digitalt møte: https://teams.example/m/1" in mailoutbox[0].body
    assert "Type møte: Digitalt møte" in mailoutbox[0].body


# --- together, dry runs, missing addresses, failures --------------------------------------------


def test_summary_line(mailoutbox, work, kari, meeting):
    # Kari gets a digest too: an overdue milestone of hers.
    work["karis_fresh"].due_date = datetime.date(2026, 4, 1)
    work["karis_fresh"].save(update_fields=["due_date"])
    meeting.participants.set([kari])

    out, _err = run()

    assert out.strip().splitlines()[-1] == "Sent 3 e-mails: 2 digests, 1 meeting notice; 0 failed."


def test_dry_run_sends_and_records_nothing(mailoutbox, work, meeting):
    out, _err = run(TODAY, "--dry-run")

    assert mailoutbox == []
    assert not SentReminder.objects.exists()
    assert "Would send digest to tone.koordinator@test.invalid" in out
    assert "Dry run, would send 3 e-mails: 1 digest, 2 meeting notices; 0 failed." in out


def test_user_without_email_is_skipped_with_a_warning(mailoutbox, work, coordinator, meeting):
    coordinator.email = ""
    coordinator.save(update_fields=["email"])

    out, err = run()

    assert [mail.to for mail in mailoutbox] == [["Per Politiker <per.politiker@test.invalid>"]]
    assert "Skipped digest for tone.koordinator: no e-mail address." in err
    assert "Skipped meeting for tone.koordinator: no e-mail address." in err
    assert "Skipped 2 without an e-mail address." in out
    assert not SentReminder.objects.filter(recipient=coordinator).exists()


@pytest.mark.parametrize(
    "error", [smtplib.SMTPException("451 try again"), ConnectionRefusedError(111, "refused")]
)
def test_failure_records_nothing_and_next_run_retries(mailoutbox, work, meeting, error):
    with (
        mock.patch(SEND_MESSAGES, side_effect=error),
        pytest.raises(CommandError, match="3 e-mail"),
    ):
        run()
    assert mailoutbox == []
    assert not SentReminder.objects.exists()

    out, _err = run()

    assert len(mailoutbox) == 3
    assert "Sent 3 e-mails: 1 digest, 2 meeting notices; 0 failed." in out
    assert SentReminder.objects.count() == 5  # three digest items, two notices


def test_one_failure_does_not_stop_the_others(mailoutbox, work, meeting, caplog):
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def flaky(self, messages):
        if any("per.politiker" in address for message in messages for address in message.to):
            raise smtplib.SMTPRecipientsRefused({"per.politiker@test.invalid": (550, b"no")})
        return real(self, messages)

    out = StringIO()
    with mock.patch(SEND_MESSAGES, flaky), pytest.raises(CommandError):
        call_command("send_reminders", "--today", TODAY.isoformat(), stdout=out, stderr=StringIO())

    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "Tone Koordinator <tone.koordinator@test.invalid>",
        "Tone Koordinator <tone.koordinator@test.invalid>",
    ]
    assert "Sent 2 e-mails: 1 digest, 1 meeting notice; 1 failed." in out.getvalue()
    assert "Could not send meeting to per.politiker@test.invalid" in caplog.text
    assert not SentReminder.objects.filter(
        key__startswith="meeting:", recipient__username="per.politiker"
    ).exists()


def test_exit_code_is_non_zero_on_failure(work):
    with mock.patch(SEND_MESSAGES, side_effect=OSError("down")), pytest.raises(CommandError) as e:
        run()

    assert e.value.returncode == 1  # what manage.py exits with


def test_bad_date_is_refused(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "4.5.2026", stdout=StringIO())
