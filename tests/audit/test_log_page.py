"""The audit log page (``audit:log``): administrators only, filters in the URL, pages of 50, each
entry's fields before and after in a table."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Milestone
from tromsvekst.audit import views
from tromsvekst.audit.models import AuditEntry

URL = reverse("audit:log")


def text(response) -> str:
    return html.unescape(response.content.decode())


def shown(response) -> list[int]:
    """The pks of the entries on the page, in order."""
    return [int(pk) for pk in re.findall(r'id="oppforing-(\d+)"', response.content.decode())]


@pytest.fixture
def edited(client_for, coordinator, milestone):
    """The coordinator renames the milestone through the portal."""
    client_for(coordinator).post(
        reverse("actionplans:milestone-edit", args=[milestone.pk]),
        {
            "title": "Kartlegging av boligbehov",
            "description": "",
            "due_date": "2025-12-01",
            "responsible": "",
            "order": 0,
        },
    )
    return AuditEntry.objects.get(username="tone.koordinator", action="endret")


# --- who may read it ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client_for):
    response = client_for(None).get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["reader", "coordinator", "outsider"])
def test_everyone_but_administrators_is_forbidden(request, client_for, who):
    response = client_for(request.getfixturevalue(who)).get(URL)

    assert response.status_code == 403


def test_a_staff_member_who_is_not_a_superuser_is_forbidden(client_for, coordinator):
    coordinator.is_staff = True
    coordinator.save()

    assert client_for(coordinator).get(URL).status_code == 403


def test_only_administrators_see_the_link_in_the_header(client_for, admin_user, coordinator):
    link = f'href="{URL}"'

    page = reverse("agreements:agreement-list")

    assert link in client_for(admin_user).get(page).content.decode()
    assert link not in client_for(coordinator).get(page).content.decode()


# --- what it shows ------------------------------------------------------------------------------


def test_an_entry_shows_who_when_what_and_each_field_before_and_after(
    client_for, admin_user, agreement, edited
):
    response = client_for(admin_user).get(URL)

    page = text(response)
    assert response.status_code == 200
    assert "<h1" in page and "Revisjonslogg</h1>" in page
    assert edited.pk in shown(response)
    entry_html = page[page.index(f'id="oppforing-{edited.pk}"') :]
    entry_html = entry_html[: entry_html.index("</li>")]
    assert "Endret</span> Milepæl: Kartlegging av boligbehov</h3>" in entry_html
    assert "tone.koordinator" in entry_html
    assert agreement.title in entry_html
    assert "POST /milepaeler/" in entry_html
    local = timezone.localtime(edited.when)
    # Whole seconds: HTML allows at most three digits of a fraction (the W3C checker).
    assert f'datetime="{local:%Y-%m-%dT%H:%M:%S%z}"' in entry_html
    assert '<th scope="col">Før</th>' in entry_html
    assert re.search(
        r'<th scope="row">Tittel</th>\s*<td class="audit-value">Kartlegging</td>\s*'
        r'<td class="audit-value">Kartlegging av boligbehov</td>',
        entry_html,
    )


def test_values_are_shown_in_words(client_for, admin_user, coordinator, milestone):
    client_for(coordinator).post(
        reverse("actionplans:progress-log", args=[milestone.pk]),
        {"status": "done", "percent": "100", "comment": "", "version": "0"},
    )

    page = text(client_for(admin_user).get(URL, {"user": "tone.koordinator"}))

    # choices by their label, dates as dates, a new record's "before" as a dash
    assert re.search(
        r'<th scope="row">Status</th>\s*<td class="audit-value">Ikke startet</td>\s*'
        r'<td class="audit-value">Fullført</td>',
        page,
    )
    today = timezone.localdate()
    months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august"]
    months += ["september", "oktober", "november", "desember"]
    assert f"{today.day}. {months[today.month - 1]} {today.year}" in page
    assert re.search(
        r'<th scope="row">Kommentar</th>\s*<td class="audit-value">–</td>\s*'
        r'<td class="audit-value">\(tom\)</td>',
        page,
    )
    # a foreign key by the name of what it points at
    assert re.search(
        r'<th scope="row">Skrevet av</th>\s*<td class="audit-value">–</td>\s*'
        rf'<td class="audit-value">Tone Koordinator \(ID {coordinator.pk}\)</td>',
        page,
    )


def test_the_system_and_anonymous_visitors_are_named_in_words(client_for, admin_user, agreement):
    page = text(client_for(admin_user).get(URL, {"user": "system"}))

    assert "Systemet" in page


# --- filters ------------------------------------------------------------------------------------


def test_filter_by_user(client_for, admin_user, edited):
    response = client_for(admin_user).get(URL, {"user": "tone.koordinator"})

    assert shown(response) == [edited.pk]
    assert "1 oppføring<" in text(response)


def test_filter_by_action_and_type(client_for, admin_user, milestone, edited):
    client = client_for(admin_user)

    changed = client.get(URL, {"action": "endret", "object_type": "actionplans.milestone"})
    created = client.get(URL, {"action": "opprettet", "object_type": "actionplans.milestone"})

    assert shown(changed) == [edited.pk]
    [made] = AuditEntry.objects.filter(action="opprettet", object_repr="Kartlegging")
    assert shown(created) == [made.pk]


def test_filter_by_agreement(client_for, admin_user, agreement, other_agreement, edited):
    client = client_for(admin_user)

    ours = shown(
        client.get(URL, {"agreement": agreement.pk, "object_type": "agreements.agreement"})
    )
    theirs = shown(client.get(URL, {"agreement": other_agreement.pk}))

    assert ours == list(
        AuditEntry.objects.filter(
            agreement_pk=agreement.pk, content_type__model="agreement"
        ).values_list("pk", flat=True)
    )
    assert theirs
    assert set(theirs) == set(
        AuditEntry.objects.filter(agreement_pk=other_agreement.pk).values_list("pk", flat=True)
    )
    assert edited.pk not in theirs


def test_filter_by_dates_in_oslo_time(client_for, admin_user, edited):
    day = timezone.localdate(edited.when)
    client = client_for(admin_user)

    that_day = shown(client.get(URL, {"date_from": day.isoformat(), "date_to": day.isoformat()}))
    before = shown(client.get(URL, {"date_to": (day - datetime.timedelta(days=1)).isoformat()}))
    after = shown(client.get(URL, {"date_from": (day + datetime.timedelta(days=1)).isoformat()}))

    assert edited.pk in that_day
    assert before == [] and after == []


def test_a_bad_filter_is_shown_with_its_error_and_the_others_still_apply(
    client_for, admin_user, edited
):
    response = client_for(admin_user).get(
        URL, {"user": "tone.koordinator", "date_from": "2099-05-01", "date_to": "2099-04-01"}
    )

    page = text(response)
    assert "Til-datoen kan ikke være før fra-datoen." in page
    assert 'aria-invalid="true"' in page
    assert shown(response) == [], "the valid from-date still applies"


def test_no_match_says_so(client_for, admin_user, edited):
    response = client_for(admin_user).get(URL, {"user": "system", "action": "slettet"})

    assert shown(response) == []
    assert "Ingen oppføringer passer med filtrene." in text(response)


def test_pages_keep_the_filters(client_for, admin_user, milestone, monkeypatch):
    monkeypatch.setattr(views, "PER_PAGE", 2)
    for n in range(4):
        milestone.title = f"Navn {n}"
        milestone.save()
    client = client_for(admin_user)

    first = client.get(URL, {"object_type": "actionplans.milestone", "action": "endret"})
    page = text(first)
    assert "Side 1 av 2" in page
    assert "?object_type=actionplans.milestone&amp;action=endret&amp;side=2" in (
        first.content.decode()
    )
    second = client.get(
        URL, {"object_type": "actionplans.milestone", "action": "endret", "side": "2"}
    )
    newest_first = list(
        AuditEntry.objects.filter(content_type__model="milestone", action="endret").values_list(
            "pk", flat=True
        )
    )
    assert shown(first) == newest_first[:2]
    assert shown(second) == newest_first[2:]


def test_the_page_takes_a_fixed_number_of_queries(
    client_for, admin_user, coordinator, milestone, django_assert_num_queries
):
    client = client_for(admin_user)
    client.post(
        reverse("actionplans:progress-log", args=[milestone.pk]),
        {"status": "on_track", "percent": "10", "comment": "", "version": "0"},
    )
    assert AuditEntry.objects.count() > 40  # many entries of many types on the page

    # session, user, agreements, usernames, count, the page of entries, and one query per kind
    # of record that the page's foreign keys point at (nine here: agreement, party, focus area,
    # delmål, plan, action, milestone, progress update, user), however many entries point there
    with django_assert_num_queries(6 + 9):
        response = client.get(URL)

    assert response.status_code == 200
    assert len(shown(response)) == views.PER_PAGE
    assert Milestone.objects.get().title in text(response)
