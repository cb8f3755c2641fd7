"""Kept pages (tromsvekst/lib/pagecache.py) and the change counter they are keyed on
(tromsvekst/audit/revisions.py).

These tests commit for real (``transaction=True``): the counter moves after a commit, which the
other tests' rolled-back transactions never reach, so the cache is off everywhere else.
"""

import datetime
import re

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import Milestone, Status
from agreements.models import Coordinator
from tests.factories import COUNCIL, appoint, make_user
from tromsvekst.audit import revisions
from tromsvekst.audit.models import Revision
from tromsvekst.lib import pagecache
from tromsvekst.lib.pagecache import NAME_PLACEHOLDER, TOKEN_PLACEHOLDER

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def kept_pages(settings):
    settings.PAGE_CACHE_SECONDS = 300
    caches["pages"].clear()
    yield
    caches["pages"].clear()


@pytest.fixture
def milestone(plan, make_action, make_milestone, coordinator, log):
    action = make_action(plan, "1.1-1", title="Boligsamarbeid")
    first = make_milestone(action, "Kartlegge boligbehovet", due=datetime.date(2026, 12, 31))
    log(first, coordinator, Status.ON_TRACK, 20, "Godt i gang.")
    return first


def get(client, url, expect=200):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == expect
    return response, len(queries)


def without_tokens(html: str) -> str:
    html = TOKEN.sub("", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def dashboard_url(agreement):
    return reverse("actionplans:dashboard", args=[agreement.slug])


def test_the_second_read_is_kept_and_costs_a_few_queries(client_for, reader, agreement, milestone):
    client = client_for(reader)
    url = dashboard_url(agreement)

    first, cold = get(client, url)
    second, warm = get(client, url)

    assert without_tokens(second.text) == without_tokens(first.text)
    # Session, user, agreement, the reader's role, and the change counters.
    assert warm == 5
    assert cold > 10  # made fresh
    assert TOKEN_PLACEHOLDER not in second.text


def test_a_logged_update_shows_at_once(client_for, coordinator, reader, agreement, milestone):
    reader_client = client_for(reader)
    url = dashboard_url(agreement)
    plan_url = milestone.action.plan.get_absolute_url()
    get(reader_client, url)
    before, _ = get(client_for(coordinator), plan_url)
    assert "I rute" in before.text.split(f'id="milepael-{milestone.pk}"', 1)[1].split("</li>")[0]

    saved = client_for(coordinator).post(
        reverse("actionplans:progress-log", args=[milestone.pk]),
        {
            "status": Status.AT_RISK,
            "percent": "30",
            "comment": "Kommunene har ikke levert tallene.",
            "evidence_url": "",
            "version": str(Milestone.objects.get(pk=milestone.pk).version),
            "next": plan_url,
        },
    )
    assert saved.status_code == 302

    dashboard, _ = get(reader_client, url)
    assert "I rute → " in dashboard.text  # on track → at risk, since the last meeting
    assert "30&nbsp;%" in dashboard.text
    plan_page, _ = get(client_for(coordinator), plan_url)
    row = plan_page.text.split(f'id="milepael-{milestone.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Risiko" in row
    assert "I rute" not in row


def test_each_user_gets_their_own_page_and_their_own_token(
    client_for, coordinator, reader, agreement, milestone
):
    plan_url = milestone.action.plan.get_absolute_url()
    coordinator_client, reader_client = client_for(coordinator), client_for(reader)
    get(coordinator_client, plan_url)
    get(reader_client, plan_url)

    as_coordinator, _ = get(coordinator_client, plan_url)
    as_reader, _ = get(reader_client, plan_url)

    assert "Endre tiltak" in as_coordinator.text
    assert "Endre tiltak" not in as_reader.text
    # The kept page carries a token that works for this user: posting the plan page's own form
    # (carry the plan over) with it is accepted by the CSRF check.
    token = TOKEN.search(as_coordinator.text).group(1)
    coordinator_client.handler.enforce_csrf_checks = True
    response = coordinator_client.post(
        reverse("actionplans:plan-carry-over", args=[milestone.action.plan.pk]),
        {"csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_a_change_elsewhere_keeps_the_page_and_a_waiting_message_is_shown(
    client_for, coordinator, reader, agreement, other_agreement, milestone
):
    client = client_for(reader)
    url = dashboard_url(agreement)
    get(client, url)

    other = other_agreement.sub_goals.first()
    other.text = "Endret i en annen avtale"
    other.save()
    _, queries = get(client, url)
    assert queries == 5  # still kept

    # A save's confirmation is waiting: the page is made fresh so that the message shows.
    coordinator_client = client_for(coordinator)
    coordinator_client.post(reverse("actionplans:public-progress-toggle", args=[agreement.slug]))
    page, _ = get(coordinator_client, url)
    assert 'class="ds-alert' in page.text


def test_losing_access_is_seen_even_with_a_kept_page(client_for, reader, agreement, milestone):
    agreement.is_public = False
    agreement.save()
    client = client_for(reader)
    url = dashboard_url(agreement)
    get(client, url)

    # Bypass the audit trail (and so the counter): the access check still runs first.
    Coordinator.objects.filter(user=reader).delete()
    get(client, url, expect=404)


def test_the_counter_moves_once_per_transaction_and_not_on_rollback(agreement):
    before = revisions.current(agreement.pk)
    with transaction.atomic():
        for order in range(3):
            theme = agreement.central_themes.get(order=order + 1)
            theme.text += " (endret)"
            theme.save()
        assert revisions.current(agreement.pk) == before
    assert revisions.current(agreement.pk) == (before[0] + 1, before[1])

    with pytest.raises(RuntimeError), transaction.atomic():
        theme = agreement.central_themes.first()
        theme.text += " (igjen)"
        theme.save()
        raise RuntimeError
    assert revisions.current(agreement.pk) == (before[0] + 1, before[1])
    assert Revision.objects.filter(agreement_pk=agreement.pk).count() == 1


# --- The dashboard is kept once for every user of the same standing ---------------------------


def name_in_header(html: str) -> str:
    found = re.search(r'class="site-header__name">.*?</span>([^<]*)</span>', html)
    assert found is not None
    return found.group(1)


def second_reader(agreement, first_name="Kari", last_name="<Lesar> & co"):
    user = make_user("kari.lesar", first_name, last_name)
    appoint(agreement, user, Coordinator.Role.READER, COUNCIL)
    return user


def test_two_readers_share_one_kept_dashboard_with_their_own_names_and_tokens(
    client_for, reader, agreement, milestone
):
    other = second_reader(agreement)
    url = dashboard_url(agreement)
    first_client, second_client = client_for(reader), client_for(other)
    first, cold = get(first_client, url)
    keys_after_first = len(caches["pages"]._cache)  # type: ignore[attr-defined]

    second, warm = get(second_client, url)

    assert cold > 10  # made fresh
    assert warm == 5  # the first reader's page, kept: only session, user, agreement, role, counter
    assert len(caches["pages"]._cache) == keys_after_first  # type: ignore[attr-defined]
    assert name_in_header(first.text) == "Per Politiker"
    # Escaped as the template escapes it.
    assert name_in_header(second.text) == "Kari &lt;Lesar&gt; &amp; co"
    assert "Per Politiker" not in second.text
    assert NAME_PLACEHOLDER not in second.text
    assert TOKEN_PLACEHOLDER not in second.text
    first_token = TOKEN.search(first.text).group(1)
    second_token = TOKEN.search(second.text).group(1)
    assert first_token != second_token
    assert second_client.cookies["csrftoken"].value != first_client.cookies["csrftoken"].value
    # The second reader's token works for them.
    second_client.handler.enforce_csrf_checks = True
    response = second_client.post(reverse("logout"), {"csrfmiddlewaretoken": second_token})
    assert response.status_code == 302
    # The rest of the page is the same.
    assert without_tokens(first.text).replace("Per Politiker", "X") == without_tokens(
        second.text
    ).replace("Kari &lt;Lesar&gt; &amp; co", "X")


def test_a_reader_never_gets_a_coordinators_kept_dashboard_nor_the_reverse(
    client_for, coordinator, reader, agreement, milestone
):
    url = dashboard_url(agreement)
    edit_form = reverse("actionplans:public-progress-toggle", args=[agreement.slug])
    coordinator_client, reader_client = client_for(coordinator), client_for(reader)

    as_coordinator, _ = get(coordinator_client, url)  # kept first
    as_reader, reader_queries = get(reader_client, url)
    again_as_coordinator, _ = get(coordinator_client, url)
    again_as_reader, _ = get(reader_client, url)

    assert reader_queries > 10  # made for the reader (kept: 5), not taken from the coordinator's
    for page in (as_coordinator, again_as_coordinator):
        assert edit_form in page.text
        assert name_in_header(page.text) == "Tone Koordinator"
    for page in (as_reader, again_as_reader):
        assert edit_form not in page.text
        assert name_in_header(page.text) == "Per Politiker"


def test_an_administrator_gets_their_own_kept_dashboard(client_for, reader, agreement, milestone):
    admin = make_user("ada.admin", "Ada", "Admin", is_superuser=True, is_staff=True)
    url = dashboard_url(agreement)
    get(client_for(reader), url)

    as_admin, queries = get(client_for(admin), url)

    assert queries > 10
    assert reverse("audit:log") in as_admin.text
    assert reverse("actionplans:public-progress-toggle", args=[agreement.slug]) in as_admin.text
    as_reader, _ = get(client_for(reader), url)
    assert reverse("audit:log") not in as_reader.text


def test_an_outsider_gets_404_before_any_kept_page_is_looked_up(
    client_for, reader, outsider, agreement, milestone, monkeypatch
):
    agreement.is_public = False
    agreement.save()
    url = dashboard_url(agreement)
    get(client_for(reader), url)  # a kept page exists
    looked_up = []
    monkeypatch.setattr(pagecache, "_key", lambda *args: looked_up.append(args) or "x")

    response, _ = get(client_for(outsider), url, expect=404)

    assert looked_up == []
    assert "Per Politiker" not in response.text
    assert reverse("actionplans:public-progress-toggle", args=[agreement.slug]) not in (
        response.text
    )


def test_a_waiting_message_makes_the_shared_dashboard_fresh(
    client_for, coordinator, agreement, milestone
):
    other = make_user("kari.koordinator", "Kari", "Koordinator")
    appoint(agreement, other, Coordinator.Role.COORDINATOR, COUNCIL)
    url = dashboard_url(agreement)
    get(client_for(other), url)
    get(client_for(other), url)  # kept for coordinators of the council

    coordinator_client = client_for(coordinator)
    coordinator_client.post(reverse("actionplans:public-progress-toggle", args=[agreement.slug]))
    page, queries = get(coordinator_client, url)

    assert queries > 10  # made fresh (a kept page reads 5)
    assert "Den offentlige fremdriftssiden er slått" in page.text
    assert name_in_header(page.text) == "Tone Koordinator"
    # The page with the message was not kept: the next read has no message.
    later, _ = get(coordinator_client, url)
    assert "Den offentlige fremdriftssiden er slått" not in later.text
