"""Moved deadlines leave a visible trace: MilestoneDueDateChange, written by
``services.milestone_due_date_change`` (the edit form goes through ``milestone_update``), shown
in the milestone's history, on the dashboard and in the meeting brief ("Frist flyttet").

"Now" is frozen at Friday 15 May 2026, 12:00 in Europe/Oslo for the tests that need it.
"""

import datetime
import re
import zoneinfo
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from actionplans.models import Milestone, MilestoneDueDateChange, Status
from actionplans.services import milestone_due_date_change
from agreements.models import Meeting
from tromsvekst.audit.models import AuditEntry

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2026, 5, 15, 12, 0, tzinfo=OSLO)
REASON_NEEDED = "Skriv hvorfor fristen flyttes"


def text(fragment: str) -> str:
    words = " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    return re.sub(r" ([:,.])", r"\1", words)


def edit(client, milestone, **overrides):
    data = {
        "title": milestone.title,
        "description": milestone.description,
        "due_date": milestone.due_date.isoformat(),
        "responsible": "",
        "order": milestone.order,
        "reason": "",
    }
    data.update(overrides)
    return client.post(reverse("actionplans:milestone-edit", args=[milestone.pk]), data)


@pytest.fixture
def now(freeze_now):
    freeze_now(NOW)
    return NOW


@pytest.fixture
def action(plan, make_action):
    return make_action(plan, "1.1-1", title="Boligsamarbeid")


@pytest.fixture
def fresh(now, action, make_milestone):
    """No updates, deadline in the future: a date typed wrong can be corrected without a why."""
    return make_milestone(action, "Ny milepæl", due=datetime.date(2026, 9, 30))


@pytest.fixture
def logged(now, action, make_milestone, log_at, coordinator):
    """Has a progress update, deadline in the future."""
    milestone = make_milestone(action, "Boligstrategi vedtatt", due=datetime.date(2026, 6, 30))
    log_at(milestone, coordinator, Status.ON_TRACK, 40, datetime.datetime(2026, 3, 1, tzinfo=OSLO))
    milestone.refresh_from_db()
    return milestone


@pytest.fixture
def overdue(now, action, make_milestone):
    """No updates, but its deadline (31 March 2026) has passed: it is "Forfalt"."""
    return make_milestone(action, "Fagbrev i regionen", due=datetime.date(2026, 3, 31))


# --- The edit form records the move ---


def test_moving_a_deadline_records_old_new_who_when_and_why(logged, coordinator, client_for):
    response = edit(
        client_for(coordinator), logged, due_date="2026-10-31", reason="Kommunene trenger mer tid."
    )

    assert response.status_code == 302
    logged.refresh_from_db()
    assert logged.due_date == datetime.date(2026, 10, 31)
    [change] = logged.due_date_changes.all()
    assert (change.old_due_date, change.new_due_date) == (
        datetime.date(2026, 6, 30),
        datetime.date(2026, 10, 31),
    )
    assert change.author == coordinator
    assert change.reason == "Kommunene trenger mer tid."
    assert change.created_at == NOW
    assert change.source == MilestoneDueDateChange.Source.FORM
    assert not change.was_overdue


@pytest.mark.parametrize("which", ["logged", "overdue"])
def test_a_reason_is_required_for_a_milestone_with_history_or_a_passed_deadline(
    which, request, coordinator, client_for
):
    milestone = request.getfixturevalue(which)
    before = milestone.due_date

    response = edit(client_for(coordinator), milestone, due_date="2026-11-30", reason="  ")

    assert response.status_code == 200
    assert REASON_NEEDED in text(response.content.decode())
    assert "reason" in response.context["form"].errors
    milestone.refresh_from_db()
    assert milestone.due_date == before
    assert not MilestoneDueDateChange.objects.exists()


def test_correcting_a_fresh_milestones_date_needs_no_reason_but_is_recorded(
    fresh, coordinator, client_for
):
    response = edit(client_for(coordinator), fresh, due_date="2026-10-15")

    assert response.status_code == 302
    [change] = fresh.due_date_changes.all()
    assert (change.old_due_date, change.new_due_date, change.reason) == (
        datetime.date(2026, 9, 30),
        datetime.date(2026, 10, 15),
        "",
    )
    # Once moved, a second move has a history and must be explained.
    response = edit(
        client_for(coordinator), Milestone.objects.get(pk=fresh.pk), due_date="2026-11-01"
    )
    assert response.status_code == 200
    assert fresh.due_date_changes.count() == 1


def test_the_form_says_when_a_reason_is_required(logged, fresh, coordinator, client_for):
    client = client_for(coordinator)
    required = client.get(reverse("actionplans:milestone-edit", args=[logged.pk])).content.decode()
    optional = client.get(reverse("actionplans:milestone-edit", args=[fresh.pk])).content.decode()
    new = client.get(
        reverse("actionplans:milestone-create", args=[logged.action.pk])
    ).content.decode()

    assert '<label class="ds-label" for="id_reason">' in required.replace("\n", "")
    assert "Påkrevd hvis du endrer fristen" in required
    assert 'name="reason"' in optional and "Påkrevd hvis du endrer fristen" not in optional
    assert 'name="reason"' not in new  # a new milestone has no deadline to move


def test_other_changes_record_no_move(logged, coordinator, client_for):
    response = edit(client_for(coordinator), logged, title="Boligstrategien vedtatt")

    assert response.status_code == 302
    logged.refresh_from_db()
    assert logged.title == "Boligstrategien vedtatt"
    assert not MilestoneDueDateChange.objects.exists()


def test_moving_an_overdue_deadline_leaves_the_overdue_mark_in_the_history(
    overdue, coordinator, client_for, reader
):
    assert overdue.is_overdue()
    edit(client_for(coordinator), overdue, due_date="2026-08-31", reason="Ny søknadsrunde.")

    overdue.refresh_from_db()
    assert not overdue.is_overdue()
    change = overdue.due_date_changes.get()
    assert change.was_overdue
    page = client_for(reader).get(overdue.get_absolute_url()).content.decode()
    history = text(
        re.search(r'<section aria-labelledby="history-h".*?</section>', page, re.S).group(0)
    )
    assert (
        "Tone Koordinator · 15. mai 2026 12:00 Frist flyttet fra 31. mars 2026 til 31. august 2026 "
        "(fristen var passert) Begrunnelse: Ny søknadsrunde." in history
    )
    assert "flyttet 1 gang, se historikken" in text(page)


def test_the_history_interleaves_updates_and_moves_newest_first(
    logged, coordinator, client_for, reader, log_at
):
    edit(client_for(coordinator), logged, due_date="2026-10-31", reason="Venter på tall.")
    log_at(
        logged,
        coordinator,
        Status.AT_RISK,
        45,
        datetime.datetime(2026, 5, 20, tzinfo=OSLO),
        comment="Grunneier sier nei.",
    )

    page = client_for(reader).get(logged.get_absolute_url()).content.decode()
    items = [text(li) for li in re.findall(r'<li class="history__item.*?</li>', page, re.S)]

    assert len(items) == 3
    assert "I rute → Risiko" in items[0].replace(
        "Status endret fra I rute til Risiko", "I rute → Risiko"
    )
    assert "Frist flyttet fra 30. juni 2026 til 31. oktober 2026" in items[1]
    assert "Venter på tall." in items[1]
    assert "fremdrift 0 % → 40 %" in items[2]


# --- The service (the Excel import calls it too) ---


def test_the_service_takes_keyword_arguments_and_a_source(logged, coordinator):
    with pytest.raises(TypeError):
        milestone_due_date_change(logged, coordinator, datetime.date(2026, 7, 1), "x")  # noqa

    change = milestone_due_date_change(
        milestone=logged,
        user=coordinator,
        new_due_date=datetime.date(2026, 7, 1),
        reason="Endret i Excel-arket.",
        source=MilestoneDueDateChange.Source.EXCEL,
    )

    assert change.source == "excel"
    assert logged.due_date == datetime.date(2026, 7, 1)
    assert Milestone.objects.get(pk=logged.pk).due_date == datetime.date(2026, 7, 1)
    assert (
        milestone_due_date_change(
            milestone=logged, user=coordinator, new_due_date=datetime.date(2026, 7, 1), reason=""
        )
        is None
    )  # the same date: nothing to record


@pytest.mark.parametrize(
    ("due", "reason", "field"),
    [
        (datetime.date(2027, 1, 1), "Utsatt.", "due_date"),  # outside the plan period
        (datetime.date(2026, 8, 1), "", "reason"),  # has a history, no reason
    ],
)
def test_the_service_refuses_and_saves_nothing(logged, coordinator, due, reason, field):
    with pytest.raises(ValidationError) as refused:
        milestone_due_date_change(
            milestone=logged, user=coordinator, new_due_date=due, reason=reason
        )

    assert field in refused.value.message_dict
    assert Milestone.objects.get(pk=logged.pk).due_date == datetime.date(2026, 6, 30)
    assert not MilestoneDueDateChange.objects.exists()


def test_a_recorded_move_cannot_be_changed_or_deleted(logged, coordinator):
    change = milestone_due_date_change(
        milestone=logged, user=coordinator, new_due_date=datetime.date(2026, 7, 1), reason="x"
    )

    change.reason = "Noe annet"
    with pytest.raises(ValidationError):
        change.save()
    with pytest.raises(ValidationError):
        change.delete()
    assert MilestoneDueDateChange.objects.get().reason == "x"


def test_the_move_is_in_the_audit_log(logged, coordinator, client_for, agreement):
    edit(client_for(coordinator), logged, due_date="2026-10-31", reason="Venter på tall.")

    change = MilestoneDueDateChange.objects.get()
    [entry] = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(MilestoneDueDateChange),
        object_id=change.pk,
    )
    assert entry.user == coordinator
    assert entry.agreement_pk == agreement.pk
    assert entry.changes["old_due_date"] == {"etter": "2026-06-30"}
    assert entry.changes["new_due_date"] == {"etter": "2026-10-31"}
    assert entry.changes["reason"] == {"etter": "Venter på tall."}


# --- "Frist flyttet" on the dashboard and in the brief ---


def _moved_at(milestone, user, new, reason, when):
    change = milestone_due_date_change(
        milestone=milestone, user=user, new_due_date=new, reason=reason
    )
    MilestoneDueDateChange.objects.filter(pk=change.pk).update(created_at=when)
    return change


def test_the_dashboard_lists_deadlines_moved_since_the_last_meeting(
    logged, overdue, coordinator, reader, client_for, agreement, add_meeting
):
    add_meeting(
        "Vårmøtet 2026", datetime.datetime(2026, 4, 1, 10, tzinfo=OSLO), status=Meeting.Status.HELD
    )
    _moved_at(
        logged,
        coordinator,
        datetime.date(2026, 7, 31),
        "Før møtet.",
        datetime.datetime(2026, 3, 15, tzinfo=OSLO),
    )
    _moved_at(
        overdue,
        coordinator,
        datetime.date(2026, 8, 31),
        "Ny søknadsrunde.",
        datetime.datetime(2026, 5, 2, 9, tzinfo=OSLO),
    )

    html = (
        client_for(reader)
        .get(reverse("actionplans:dashboard", args=[agreement.slug]))
        .content.decode()
    )

    since = re.search(r'<section aria-labelledby="since-h".*?</section>', html, re.S).group(0)
    moved = text(since.split('id="frist-flyttet-h"')[1])
    assert (
        "Fagbrev i regionen (delmål 1.1): frist 31. mars 2026 → 31. august 2026 (fristen var passert)"
        in moved
    )
    assert "Ny søknadsrunde." in moved
    assert "Før møtet." not in moved  # moved before the last held meeting
    headline = text(re.search(r'<section class="headline".*?</section>', html, re.S).group(0))
    assert "Frist flyttet: 1 gang." in headline
    assert 'href="#frist-flyttet-h"' in html


def test_the_brief_lists_deadlines_moved_between_the_two_meetings(
    brief_history, coordinator, reader, client_for
):
    draft = brief_history.ms["draft"]
    _moved_at(
        draft,
        coordinator,
        datetime.date(2026, 12, 15),
        "Flere høringsinnspill.",
        datetime.datetime(2026, 9, 1, tzinfo=OSLO),
    )
    _moved_at(
        brief_history.ms["hearing"],
        coordinator,
        datetime.date(2026, 12, 1),
        "Etter møtet.",
        datetime.datetime(2026, 10, 22, tzinfo=OSLO),
    )

    html = (
        client_for(reader)
        .get(reverse("actionplans:meeting-brief", args=[brief_history.m2.pk]))
        .content.decode()
    )

    moved = text(re.search(r'aria-labelledby="brief-moved-h">(.*?)</section>', html, re.S).group(1))
    assert "Frist flyttet siden forrige møte" in moved
    assert (
        "Utkast til boligstrategi (delmål 1.1): frist 31. august 2026 → 15. desember 2026" in moved
    )
    assert "Flere høringsinnspill." in moved
    assert "Etter møtet." not in moved
    summary = text(
        re.search(r'aria-labelledby="brief-summary-h">(.*?)</section>', html, re.S).group(1)
    )
    assert "Frist flyttet: 1 gang." in summary


# --- The Django admin cannot move a due date past the record ---


def test_the_admin_shows_a_set_due_date_read_only(logged, admin_user, client_for):
    client = client_for(admin_user)

    milestone_page = client.get(reverse("admin:actionplans_milestone_change", args=[logged.pk]))
    action_page = client.get(reverse("admin:actionplans_action_change", args=[logged.action.pk]))
    new_milestone = client.get(reverse("admin:actionplans_milestone_add"))

    assert milestone_page.status_code == action_page.status_code == 200
    assert 'name="due_date"' not in milestone_page.content.decode()
    assert "30. juni 2026" in text(milestone_page.content.decode())
    assert 'name="milestones-0-due_date"' not in action_page.content.decode()
    assert 'name="milestones-0-title"' in action_page.content.decode()
    assert 'name="due_date"' in new_milestone.content.decode()  # a new one gets its first date
