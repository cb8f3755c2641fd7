"""The plan page (``actionplans:plan-detail``): the tree innsatsområde → delmål → tiltak →
milepæl, each milestone's state, the filters, who sees what, and a fixed number of queries."""

import datetime
import html
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, timezone, translation

from actionplans.models import Status
from agreements.models import FocusArea, Party, SubGoal
from tests import factories
from tests.helpers.query_counts import PLAN_PAGE_QUERIES


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def text(response) -> str:
    return html.unescape(response.content.decode())


def row(body: str, milestone) -> str:
    """The HTML of one milestone's row on the page."""
    match = re.search(rf'<li [^>]*id="milepael-{milestone.pk}">(.*?)</li>', body, re.S)
    assert match, f"no row for {milestone}"
    return match.group(1)


def shown_titles(body: str, milestones: dict) -> set[str]:
    return {key for key, m in milestones.items() if f'id="milepael-{m.pk}"' in body}


@pytest.fixture
def tree(plan, make_action, make_milestone, set_milestone_state):
    """Five milestones in three focus areas, in known states."""
    county, council = "troms-fylkeskommune", "halogalandsradet"
    housing = make_action(plan, "1.1-1", sub_goal="1.1", lead_party=county, title="Boligstrategi")
    funding = make_action(
        plan, "2.1-1", sub_goal="2.1", lead_party=council, title="Kompetansemidler"
    )
    grid = make_action(plan, "4.1-1", sub_goal="4.1", lead_party=council, title="Nettkapasitet")
    milestones = {
        "survey": make_milestone(housing, "Kartlegge boligbehovet", due=days(30)),
        "adopt": make_milestone(housing, "Vedta boligstrategien", due=days(-10)),
        "apply": make_milestone(funding, "Søke om midler", due=days(-20)),
        "study": make_milestone(grid, "Utrede nettkapasiteten", due=days(-5)),
        "meeting": make_milestone(grid, "Felles innspillsmøte", due=days(-30)),
    }
    set_milestone_state(milestones["survey"], Status.ON_TRACK, 40)
    set_milestone_state(milestones["adopt"], Status.AT_RISK, 20)
    set_milestone_state(milestones["apply"], Status.DONE, 100)
    set_milestone_state(milestones["study"], Status.DELAYED, 10)
    set_milestone_state(milestones["meeting"], Status.CANCELLED, 0)
    return milestones


def get_page(client, plan, **params):
    return client.get(plan.get_absolute_url(), params)


def test_the_page_shows_focus_area_sub_goal_action_and_milestone_in_order(
    client_for, coordinator, plan, tree, agreement
):
    response = get_page(client_for(coordinator), plan)

    assert response.status_code == 200
    body = text(response)
    tree_html = body[body.index('<section class="plan-area"') :]  # after the filter form
    area_1 = FocusArea.objects.get(agreement=agreement, number=1)
    goal_1_1 = SubGoal.objects.get(agreement=agreement, code="1.1")
    expected_order = [
        "Innsatsområde 1",
        area_1.title,
        "Delmål 1.1",
        goal_1_1.text,
        "Tiltak 1.1-1",
        "Boligstrategi",
        "Vedta boligstrategien",  # due first
        "Kartlegge boligbehovet",
        "Innsatsområde 2",
        "Delmål 2.1",
        "Tiltak 2.1-1",
        "Søke om midler",
        "Innsatsområde 4",
        "Delmål 4.1",
        "Tiltak 4.1-1",
        "Felles innspillsmøte",
        "Utrede nettkapasiteten",
    ]
    positions = [tree_html.find(piece) for piece in expected_order]
    assert -1 not in positions, dict(zip(expected_order, positions, strict=True))
    assert positions == sorted(positions)
    # Focus area 3 has no milestones in this plan, so it is not shown.
    assert "Innsatsområde 3" not in tree_html
    assert "Viser 5 av 5 milepæler." in body


def test_each_milestone_shows_status_percent_and_due_date(client_for, coordinator, plan, tree):
    body = text(get_page(client_for(coordinator), plan))

    expected = {
        "survey": ("I rute", 40),
        "adopt": ("Risiko", 20),
        "apply": ("Fullført", 100),
        "study": ("Forsinket", 10),
        "meeting": ("Avlyst", 0),
    }
    for key, (label, percent) in expected.items():
        milestone = tree[key]
        html_row = row(body, milestone)
        assert milestone.title in html_row
        assert label in html_row
        assert f"{percent}\xa0%" in html_row
        with translation.override("nb"):
            due_text = formats.date_format(milestone.due_date, "j. F Y")
        assert f'datetime="{milestone.due_date:%Y-%m-%d}">{due_text}</time>' in html_row
        assert "Ingen statusoppdateringer ennå" in html_row


def test_overdue_milestones_are_marked_and_done_or_cancelled_ones_are_not(
    client_for, coordinator, plan, tree
):
    body = text(get_page(client_for(coordinator), plan))

    assert "Forfalt" in row(body, tree["adopt"])  # at risk, due 10 days ago
    assert "Forfalt" in row(body, tree["study"])  # delayed, due 5 days ago
    assert "Forfalt" not in row(body, tree["apply"])  # done, due 20 days ago
    assert "Forfalt" not in row(body, tree["meeting"])  # cancelled, due 30 days ago
    assert "Forfalt" not in row(body, tree["survey"])  # due in 30 days


def test_a_milestone_due_today_is_not_overdue(
    client_for, coordinator, plan, make_action, make_milestone
):
    action = make_action(plan, "1.1-1")
    today = make_milestone(action, "Frist i dag", due=days(0))
    yesterday = make_milestone(action, "Frist i går", due=days(-1))

    body = text(get_page(client_for(coordinator), plan))

    assert "Forfalt" not in row(body, today)
    assert "Forfalt" in row(body, yesterday)


def test_the_last_update_is_shown_with_its_author(
    client_for, coordinator, plan, tree, log, admin_user
):
    log(tree["survey"], admin_user, Status.ON_TRACK, 55, "Spørreskjema sendt ut.")

    body = text(get_page(client_for(coordinator), plan))

    html_row = row(body, tree["survey"])
    assert "55\xa0%" in html_row
    assert "Sist oppdatert" in html_row and "Ada Admin" in html_row


def test_an_empty_plan_says_so(client_for, coordinator, plan):
    body = text(get_page(client_for(coordinator), plan))

    assert "Planen har ingen milepæler ennå." in body
    assert "0 av 0 milepæler fullført" in body


# --- Filters ----------------------------------------------------------------------------------


def test_filter_by_status(client_for, coordinator, plan, tree):
    body = text(get_page(client_for(coordinator), plan, status=Status.AT_RISK))

    assert shown_titles(body, tree) == {"adopt"}
    assert f'<option value="{Status.AT_RISK}" selected>' in body
    assert "Viser 1 av 5 milepæler." in body
    assert "Fjern filtre" in body
    assert "(med valgte filtre)" in body


def test_filter_by_lead_party(client_for, coordinator, plan, tree):
    council = Party.objects.get(slug="halogalandsradet")

    body = text(get_page(client_for(coordinator), plan, party=council.pk))

    assert shown_titles(body, tree) == {"apply", "study", "meeting"}
    assert f'<option value="{council.pk}" selected>Hålogalandsrådet</option>' in body
    assert "Viser 3 av 5 milepæler." in body


def test_filter_by_focus_area(client_for, coordinator, plan, tree, agreement):
    area_4 = FocusArea.objects.get(agreement=agreement, number=4)

    body = text(get_page(client_for(coordinator), plan, focus_area=area_4.pk))

    assert shown_titles(body, tree) == {"study", "meeting"}
    assert f'<option value="{area_4.pk}" selected>4. {area_4.title}</option>' in body
    assert "Innsatsområde 1" not in body


def test_filter_overdue_only(client_for, coordinator, plan, tree):
    body = text(get_page(client_for(coordinator), plan, overdue="on"))

    assert shown_titles(body, tree) == {"adopt", "study"}
    assert re.search(r'<input[^>]*name="overdue"[^>]*value="on" checked>', body)


def test_filters_combine_and_are_kept_in_the_links_back_from_the_log_form(
    client_for, coordinator, plan, tree, agreement
):
    area_4 = FocusArea.objects.get(agreement=agreement, number=4)
    params = {"status": Status.DELAYED, "focus_area": area_4.pk}

    response = get_page(client_for(coordinator), plan, **params)

    body = text(response)
    assert shown_titles(body, tree) == {"study"}
    assert f'<option value="{Status.DELAYED}" selected>' in body
    assert f'<option value="{area_4.pk}" selected>' in body
    # "Logg fremdrift" brings the user back to this filtered page afterwards.
    back = quote(response.wsgi_request.get_full_path(), safe="/")
    assert f"?next={back}" in response.content.decode().replace("&amp;", "&")
    assert "status%3Ddelayed" in back


def test_a_filter_that_matches_nothing_says_so(client_for, coordinator, plan, tree):
    body = text(get_page(client_for(coordinator), plan, status=Status.NOT_STARTED))

    assert shown_titles(body, tree) == set()
    assert "Ingen milepæler passer med filtrene." in body


@pytest.mark.parametrize(
    "params",
    [
        {"status": "finished"},
        {"party": "abc"},
        {"party": "999999"},
        {"focus_area": "99999999999999999999999"},
        {"focus_area": "1.5"},
        {"status": "on_track", "party": "x'; drop table"},
        {"action": "abc"},
        {"action": "99999999999999999999999"},
        {"action": "0"},
    ],
)
def test_a_bogus_filter_value_is_ignored(client_for, coordinator, plan, tree, params):
    response = get_page(client_for(coordinator), plan, **params)

    assert response.status_code == 200
    assert shown_titles(text(response), tree) == set(tree)


def test_a_party_or_focus_area_of_another_agreement_is_ignored(
    client_for, coordinator, plan, tree, other_agreement
):
    other_party = Party.objects.get(slug="nord-troms-regionrad")
    other_area = FocusArea.objects.get(agreement=other_agreement)

    response = get_page(
        client_for(coordinator), plan, party=other_party.pk, focus_area=other_area.pk
    )

    assert response.status_code == 200
    assert shown_titles(text(response), tree) == set(tree)


# --- A plan with many milestones: each action's rows on demand --------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def on_demand_links(body: str) -> dict[str, str]:
    """«Vis milepælene» per action on the page: the link's text by its address."""
    links = re.findall(
        r'<p class="plan-action__more"><a class="ds-link" href="([^"]+)" data-hx-get="([^"]+)" '
        r'data-hx-target="closest p" data-hx-swap="outerHTML">(.*?)</a></p>',
        body,
    )
    for href, hx_get, _label in links:
        assert href.split("#")[0] == hx_get  # the same address with and without JavaScript
    return {href: re.sub(r"<[^>]+>", "", label) for href, _hx, label in links}


def test_beyond_the_limit_each_action_shows_its_rollup_and_a_link_to_its_rows(
    client_for, coordinator, plan, tree, settings
):
    settings.PLAN_PAGE_INLINE_MILESTONES = 4  # the tree has 5

    body = text(get_page(client_for(coordinator), plan))

    assert shown_titles(body, tree) == set()
    url = plan.get_absolute_url()
    housing, funding, grid = (tree[k].action for k in ("survey", "apply", "study"))
    assert on_demand_links(body) == {
        f"{url}?action={housing.pk}#tiltak-{housing.pk}": "Vis milepælene (2) for tiltak 1.1-1",
        f"{url}?action={funding.pk}#tiltak-{funding.pk}": "Vis milepælen (1) for tiltak 2.1-1",
        f"{url}?action={grid.pk}#tiltak-{grid.pk}": "Vis milepælene (2) for tiltak 4.1-1",
    }
    assert f'id="rollup-action-{housing.pk}"' in body  # each action's figures stay on the page
    assert "Viser 5 av 5 milepæler." in body
    assert "Når det er flere enn 4 milepæler å vise" in body


def test_at_the_limit_every_row_is_on_the_page(client_for, coordinator, plan, tree, settings):
    settings.PLAN_PAGE_INLINE_MILESTONES = 5

    body = text(get_page(client_for(coordinator), plan))

    assert shown_titles(body, tree) == set(tree)
    assert on_demand_links(body) == {}
    assert "Vis milepælene" not in body


def test_a_filter_leaving_few_enough_shows_the_rows_and_the_links_keep_the_filters(
    client_for, coordinator, plan, tree, settings
):
    settings.PLAN_PAGE_INLINE_MILESTONES = 1
    client = client_for(coordinator)

    at_limit = text(get_page(client, plan, status=Status.ON_TRACK))  # survey alone
    beyond = text(get_page(client, plan, overdue="on"))  # adopt and study

    assert shown_titles(at_limit, tree) == {"survey"}
    assert shown_titles(beyond, tree) == set()
    housing, grid = tree["adopt"].action, tree["study"].action
    url = plan.get_absolute_url()
    assert on_demand_links(beyond) == {
        f"{url}?overdue=on&action={housing.pk}#tiltak-{housing.pk}": (
            "Vis milepælen (1) for tiltak 1.1-1"
        ),
        f"{url}?overdue=on&action={grid.pk}#tiltak-{grid.pk}": (
            "Vis milepælen (1) for tiltak 4.1-1"
        ),
    }


def test_htmx_gets_one_actions_rows_under_the_filters_and_the_list_takes_the_focus(
    client_for, coordinator, plan, tree, settings
):
    settings.PLAN_PAGE_INLINE_MILESTONES = 0
    housing = tree["survey"].action
    client = client_for(coordinator)

    response = client.get(plan.get_absolute_url(), {"action": housing.pk}, **HTMX)
    filtered = client.get(
        plan.get_absolute_url(), {"action": housing.pk, "status": Status.AT_RISK}, **HTMX
    )

    assert response.status_code == 200
    body = text(response)
    assert body.startswith('<ul class="milestones" data-hx-target="next .milestone__editor"')
    assert ' tabindex="-1" autofocus>' in body
    assert "<html" not in body and "plan-summary" not in body
    assert shown_titles(body, tree) == {"survey", "adopt"}
    assert body.index(f'id="milepael-{tree["adopt"].pk}"') < body.index(
        f'id="milepael-{tree["survey"].pk}"'
    )  # by due date, as on the page
    assert shown_titles(text(filtered), tree) == {"adopt"}
    assert "HX-Request" in response["Vary"]
    # Saving a row without JavaScript goes back to the page the rows are on: the plan without
    # ``action`` (with the other filters), so the saved row's roll-ups are the page's.
    log_url = reverse("actionplans:progress-log", args=[tree["adopt"].pk])
    assert f'href="{log_url}?next={plan.get_absolute_url()}"' in body
    assert f"?next={quote(plan.get_absolute_url() + '?status=at_risk', safe='/')}" in text(filtered)


def test_rows_on_demand_for_a_reader_have_no_log_button(client_for, reader, plan, tree):
    housing = tree["survey"].action

    response = client_for(reader).get(plan.get_absolute_url(), {"action": housing.pk}, **HTMX)

    assert shown_titles(text(response), tree) == {"survey", "adopt"}
    assert "Logg fremdrift" not in text(response)


@pytest.mark.parametrize("value", ["abc", "0", "99999999999999999999999", "other-plan", ""])
def test_htmx_rows_of_an_action_not_in_the_plan_are_404(
    client_for, coordinator, plan, tree, make_action, value
):
    if value == "other-plan":
        other = factories.make_plan(plan.agreement, plan.start_year + 2, plan.end_year + 2)
        value = str(make_action(other, "1.1-1", sub_goal="1.1").pk)

    response = client_for(coordinator).get(plan.get_absolute_url(), {"action": value}, **HTMX)

    assert response.status_code == 404


def test_an_outsider_gets_404_for_an_actions_rows(client_for, outsider, plan, tree):
    housing = tree["survey"].action

    response = client_for(outsider).get(plan.get_absolute_url(), {"action": housing.pk}, **HTMX)

    assert response.status_code == 404


def test_without_javascript_the_link_is_the_page_filtered_to_the_action(
    client_for, coordinator, plan, tree, settings
):
    settings.PLAN_PAGE_INLINE_MILESTONES = 0
    grid = tree["study"].action

    response = get_page(client_for(coordinator), plan, action=grid.pk)

    body = text(response)
    assert response.status_code == 200
    assert "<html" in body
    assert shown_titles(body, tree) == {"study", "meeting"}
    assert on_demand_links(body) == {}
    # The filter form keeps the action when other filters are chosen, and can drop it.
    assert f'<input type="hidden" name="action" value="{grid.pk}">' in body
    assert f'<a class="ds-link" href="{plan.get_absolute_url()}">Fjern filtre</a>' in body
    assert "Viser 2 av 5 milepæler." in body


def test_an_actions_rows_take_the_same_queries_for_2_or_12_milestones(
    client_for, coordinator, plan, make_action, make_milestone, admin_user, log
):
    client = client_for(coordinator)
    action = make_action(plan, "1.1-1", sub_goal="1.1", lead_party="troms-fylkeskommune")
    for n in range(2):
        make_milestone(action, f"Milepæl {n}", due=days(n))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(plan.get_absolute_url(), {"action": action.pk}, **HTMX)
        assert response.status_code == 200
        return len(captured)

    small = queries()
    for n in range(10):
        milestone = make_milestone(action, f"Ekstra {n}", due=days(n + 5))
        log(milestone, admin_user, Status.ON_TRACK, n * 5, comment="Oppdatert.")
    assert queries() == small


# --- Who sees what ----------------------------------------------------------------------------


def test_reader_sees_the_plan_but_cannot_log_progress(client_for, reader, plan, tree):
    response = get_page(client_for(reader), plan)

    assert response.status_code == 200
    body = text(response)
    assert shown_titles(body, tree) == set(tree)
    assert "Logg fremdrift" not in body
    assert reverse("actionplans:progress-log", args=[tree["survey"].pk]) not in body
    assert "Nytt tiltak" not in body


def test_coordinator_gets_a_log_button_per_milestone(client_for, coordinator, plan, tree):
    body = text(get_page(client_for(coordinator), plan))

    for milestone in tree.values():
        html_row = row(body, milestone)
        assert "Logg fremdrift" in html_row
        assert reverse("actionplans:progress-log", args=[milestone.pk]) in html_row


def test_outsider_gets_404_and_anonymous_is_sent_to_login(client_for, outsider, plan, tree):
    assert get_page(client_for(outsider), plan).status_code == 404

    response = get_page(client_for(None), plan)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- A fixed number of queries ----------------------------------------------------------------


def count_queries(client, plan, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = get_page(client, plan, **params)
    assert response.status_code == 200
    return len(queries)


def test_the_plan_page_runs_the_same_queries_for_3_or_33_milestones(
    client_for,
    coordinator,
    admin_user,
    plan,
    make_action,
    make_milestone,
    log,
    django_assert_max_num_queries,
):
    client = client_for(coordinator)
    first = make_action(plan, "1.1-1", sub_goal="1.1", lead_party="troms-fylkeskommune")
    for n in range(3):
        make_milestone(first, f"Milepæl {n}", due=days(n * 10 - 5))
    filters = {"status": Status.ON_TRACK, "party": first.lead_party_id, "overdue": "on"}
    small = count_queries(client, plan)
    small_filtered = count_queries(client, plan, **filters)

    sub_goals = ["1.2", "1.3", "2.1", "3.1", "4.1"]
    statuses = [Status.ON_TRACK, Status.AT_RISK, Status.DELAYED, Status.DONE, Status.CANCELLED]
    actions = {}
    for n in range(30):
        sub_goal = sub_goals[n % 5]
        number = f"{sub_goal}-{n // 10 + 2}"  # 15 actions of 2 milestones each
        if number not in actions:
            actions[number] = make_action(plan, number, sub_goal=sub_goal)
        action = actions[number]
        milestone = make_milestone(action, f"Ekstra milepæl {n}", due=days(n - 15))
        log(milestone, admin_user, statuses[n % 5], n * 3, comment="Oppdatert.")
    large = count_queries(client, plan)
    large_filtered = count_queries(client, plan, **filters)

    assert large == small
    assert large_filtered == small_filtered
    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        body = text(get_page(client, plan))
    assert "Viser 33 av 33 milepæler." in body
