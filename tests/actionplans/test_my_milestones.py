"""«Mine milepæler» (actionplans:my-milestones) and the responsible person on the plan rows
(issue 11, finding 9)."""

import datetime

import pytest
from django.urls import reverse

from actionplans.models import Action, ActionPlan, Milestone
from agreements.models import Coordinator, Party, Strategy, SubGoal
from tests.agreements._meeting_helpers import text_of
from tests.factories import oslo
from tests.helpers.query_counts import PLAN_PAGE_QUERIES

TODAY = datetime.date(2026, 5, 4)
URL = "/mine-milepaeler/"
# session, user, the milestones (plan, agreement and last update joined), the user's roles.
MY_MILESTONES_QUERIES = 4


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("actionplans.views_mine.local_today", lambda: TODAY)


@pytest.fixture
def mine(agreement, plan, make_action, make_milestone, log_at, coordinator, reader):
    """Tone's milestones on ``TODAY`` (4 May 2026), made early in 2025, one of each kind, plus
    milestones that are not hers or not open."""
    d = datetime.date
    tone = Coordinator.objects.get(user=coordinator, agreement=agreement)
    per = Coordinator.objects.get(user=reader, agreement=agreement)
    action = make_action(plan, "1.1-1", title="Felles boligstrategi")

    def milestone(title, due, who=tone):
        return make_milestone(action, title, due=due, responsible=who)

    ms = {
        "rest": milestone("Boligkonferanse", d(2026, 11, 1)),
        "stale": milestone("Utkast til strategi", d(2026, 10, 1)),
        "soon": milestone("Høringsfrist", d(2026, 5, 20)),
        "overdue": milestone("Kartlegging", d(2026, 4, 1)),
        "overdue_older": milestone("Oppstart", d(2026, 2, 1)),
        "done": milestone("Seminar", d(2026, 3, 1)),
        "pers": milestone("Politisk sak", d(2026, 4, 2), per),
        "nobody": milestone("Uten ansvarlig", d(2026, 4, 3), None),
    }
    Milestone.objects.filter(pk__in=[m.pk for m in ms.values()]).update(
        created_at=oslo(2025, 1, 10, 9)
    )
    log_at(ms["rest"], coordinator, "on_track", 20, oslo(2026, 4, 20, 9))
    log_at(ms["stale"], coordinator, "on_track", 10, oslo(2026, 1, 5, 9))
    log_at(ms["soon"], coordinator, "at_risk", 50, oslo(2026, 4, 28, 9), comment="Sent ute.")
    log_at(ms["done"], coordinator, "done", 100, oslo(2026, 2, 28, 9))
    # Waiting for a new deadline, in the next plan.
    later = ActionPlan.objects.create(agreement=agreement, start_year=2027, end_year=2028)
    later_action = Action.objects.create(
        plan=later, number="1.1-1", title="Felles boligstrategi", sub_goal=action.sub_goal
    )
    ms["no_date"] = Milestone.objects.create(
        action=later_action, title="Boligprogram", due_date=None, responsible=tone
    )
    return ms


def _sections(page: str) -> list[str]:
    headings = [
        "Forfalt (",
        "Frist snart (",
        "Ny frist mangler (",
        "Ingen statusoppdatering på 60 dager (",
        "Øvrige (",
    ]
    return [heading for heading in headings if heading in page]


def test_groups_in_order_of_urgency(client_for, coordinator, mine):
    response = client_for(coordinator).get(URL)

    assert response.status_code == 200
    page = text_of(response)
    main = page.split("Mine milepæler", 2)[2]
    order = [
        "Oppstart",
        "Kartlegging",
        "Høringsfrist",
        "Boligprogram",
        "Utkast til strategi",
        "Boligkonferanse",
    ]
    positions = [main.index(title) for title in order]
    assert positions == sorted(positions)
    groups = {group.key: group.milestones for group in response.context["groups"]}
    assert [m.title for m in groups["forfalt"]] == ["Oppstart", "Kartlegging"]
    assert [m.title for m in groups["snart"]] == ["Høringsfrist"]
    assert [m.title for m in groups["ny-frist"]] == ["Boligprogram"]
    assert [m.title for m in groups["uten-oppdatering"]] == ["Utkast til strategi"]
    assert [m.title for m in groups["ovrige"]] == ["Boligkonferanse"]
    # Not hers, or not open.
    for absent in ("Politisk sak", "Uten ansvarlig", "Seminar"):
        assert absent not in main
    assert "1 milepæl du er ansvarlig for, er fullført eller avlyst og vises ikke her." in page
    assert "Frist: Ny frist mangler" in page


def test_each_row_links_to_its_status_form(client_for, coordinator, mine):
    content = client_for(coordinator).get(URL).content.decode()

    for key in ("overdue", "soon", "stale", "rest", "no_date"):
        log_url = reverse("actionplans:progress-log", args=[mine[key].pk])
        assert f'href="{log_url}?next=/mine-milepaeler/"' in content
        assert f'href="{mine[key].get_absolute_url()}"' in content
    edit = reverse("actionplans:milestone-edit", args=[mine["no_date"].pk])
    assert f'href="{edit}"' in content  # «Sett ny frist»


def test_saving_from_the_list_comes_back_to_it(client_for, coordinator, mine):
    milestone = mine["overdue"]
    url = reverse("actionplans:progress-log", args=[milestone.pk])

    response = client_for(coordinator).post(
        url,
        {"status": "done", "percent": "100", "version": "0", "comment": "", "next": URL},
    )

    assert response.status_code == 302
    assert response.url == URL


def test_milestones_across_agreements(client_for, coordinator, mine, other_agreement):
    appointment = Coordinator.objects.create(
        agreement=other_agreement,
        user=coordinator,
        party=Party.objects.get(slug="troms-fylkeskommune"),
        role=Coordinator.Role.COORDINATOR,
    )
    plan = ActionPlan.objects.create(agreement=other_agreement, start_year=2025, end_year=2026)
    goal = SubGoal.objects.get(agreement=other_agreement, code="1.1")
    action = Action.objects.create(plan=plan, number="1", title="Næringsareal", sub_goal=goal)
    action.strategies.set(Strategy.objects.filter(sub_goal=goal))
    Milestone.objects.create(
        action=action,
        title="Arealplan i Nord-Troms",
        due_date=datetime.date(2026, 4, 15),
        responsible=appointment,
    )

    page = text_of(client_for(coordinator).get(URL))

    assert "Arealplan i Nord-Troms" in page
    assert "Nord-Troms · Handlingsplan 2025–2026" in page
    assert "Hålogaland · Handlingsplan 2025–2026" in page


def test_a_reader_sees_their_milestones_without_edit_links(client_for, reader, mine):
    response = client_for(reader).get(URL)

    assert response.status_code == 200
    assert "Politisk sak" in text_of(response)
    assert "Logg fremdrift" not in text_of(response)


def test_someone_responsible_for_nothing_is_told_so(client_for, outsider, mine):
    page = text_of(client_for(outsider).get(URL))

    assert "Du er ikke ansvarlig for noen åpne milepæler." in page
    assert "Kartlegging" not in page


def test_closed_plans_and_milestones_carried_on_are_left_out(client_for, coordinator, mine, plan):
    carried_on = mine["overdue_older"]
    Milestone.objects.filter(pk=mine["no_date"].pk).update(carried_from=carried_on)

    groups = {
        g.key: [m.title for m in g.milestones]
        for g in client_for(coordinator).get(URL).context["groups"]
    }

    assert "Oppstart" not in groups["forfalt"]  # the copy in the next plan is listed instead
    assert groups["ny-frist"] == ["Boligprogram"]
    plan.status = ActionPlan.PlanStatus.CLOSED
    plan.save(update_fields=["status"])
    groups = {
        g.key: [m.title for m in g.milestones]
        for g in client_for(coordinator).get(URL).context["groups"]
    }
    assert groups["forfalt"] == groups["snart"] == groups["ovrige"] == []


def test_access(client_for, coordinator):
    anonymous = client_for(None).get(URL)

    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login") + "?next=")
    assert client_for(coordinator).post(URL).status_code == 405


def test_linked_from_the_header_and_the_dashboard(client_for, coordinator, agreement, mine):
    client = client_for(coordinator)

    home = client.get(reverse("agreements:agreement-list")).content.decode()
    dashboard = client.get(reverse("actionplans:dashboard", args=[agreement.slug]))
    own = client.get(URL).content.decode()

    assert f'href="{URL}"' in home
    assert f'href="{URL}"' in dashboard.content.decode()
    assert f'href="{URL}" aria-current="page"' in own
    assert f'href="{URL}"' not in client_for(None).get(reverse("login")).content.decode()


def test_the_same_queries_for_few_or_many_milestones(
    client_for, coordinator, agreement, mine, make_milestone, django_assert_max_num_queries
):
    client = client_for(coordinator)
    with django_assert_max_num_queries(MY_MILESTONES_QUERIES):
        client.get(URL)
    tone = Coordinator.objects.get(user=coordinator, agreement=agreement)
    action = mine["rest"].action
    for n in range(30):
        make_milestone(
            action, f"Ekstra {n}", due=datetime.date(2026, 1 + n % 12, 1), responsible=tone
        )

    with django_assert_max_num_queries(MY_MILESTONES_QUERIES):
        response = client.get(URL)
    assert sum(len(g.milestones) for g in response.context["groups"]) == 36


# --- the responsible person on the plan page ----------------------------------------------------


def test_plan_rows_show_the_responsible_person(
    client_for, reader, plan, mine, django_assert_max_num_queries
):
    client = client_for(reader)
    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        response = client.get(plan.get_absolute_url())

    content = response.content.decode()
    page = text_of(response)
    assert page.count("Ansvarlig: Tone Koordinator") == 6
    assert "Ansvarlig: Per Politiker" in page
    assert "Ansvarlig: ikke satt" in page
    row = content.split(f'id="milepael-{mine["pers"].pk}"', 1)[1].split("</li>", 1)[0]
    assert "Per Politiker" in row
