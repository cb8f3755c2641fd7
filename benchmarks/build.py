"""Build a benchmark data set in the database Django is configured with (a bench database).

Shape (issue #7): ``agreements`` agreements, 2 action plans each (2025–2026 adopted, 2027–2028 a
draft carried over from it), 40 actions per plan, 6 milestones per action, 25 progress updates
per milestone. The first agreement is the real one (``fixtures/``, as ``manage.py
load_agreement`` loads it), with the demo mid-term evaluation 2026 and its indicators; the others
are generated from the same text under other names and regional councils. Every agreement has
coordinators, readers, meetings (two a year, 2025–2028, held or planned by today's date) with
agenda items, decisions and follow-up tasks.

Plans, actions and their links go in with ``bulk_create``; milestones and progress updates with
PostgreSQL ``COPY`` (the national set has 1.2 million updates). Everything is deterministic for
a given seed and build date.
"""

import datetime
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from actionplans.models import Action, ActionPlan, Status
from agreements.loader import agreement_load, read_agreement_file
from agreements.models import (
    AgendaItem,
    Agreement,
    AgreementParty,
    Coordinator,
    Decision,
    FollowUpTask,
    Meeting,
    Party,
    SubGoal,
)
from benchmarks.shape import MARKER_TABLE, Shape

REAL_SLUG = "halogaland"
AGREEMENT_FILE = "tromsvekstavtalen-halogaland.json"
COUNTY_SLUG = "troms-fylkeskommune"
COUNCIL_SLUG = "halogalandsradet"
# Everyone in the bench data has this password (the data are throwaway, on a local database).
BENCH_PASSWORD = "benk-passord-2025"  # noqa: S105


# --- The marker: which shape a bench database holds ------------------------------------------


def read_marker() -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT value FROM {MARKER_TABLE} WHERE key = 'shape'")  # noqa: S608
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def write_marker(shape: Shape, built_at: datetime.datetime, seconds: float) -> None:
    value = shape.marker() | {"built_at": built_at.isoformat(), "build_seconds": round(seconds)}
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (key text PRIMARY KEY, value text)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (key, value) VALUES ('shape', %s) "  # noqa: S608
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value)],
        )


# --- Words the generated texts are made of ------------------------------------------------------

TOPICS = [
    "boligbehov",
    "rekruttering av fagarbeidere",
    "ungdomsmedvirkning",
    "kollektivtilbud",
    "kraft- og nettkapasitet",
    "lufthavnsamarbeid",
    "leverandørutvikling mot Forsvaret",
    "reiseliv",
    "planarbeid og naturmangfold",
    "energieffektivisering",
    "sjømatnæring",
    "kompetanse i helsesektoren",
    "inkludering av tilflyttere",
    "digital infrastruktur",
    "kulturtilbud for unge",
    "klimaregnskap",
]
ACTION_VERBS = [
    "Felles satsing på",
    "Kartlegging av",
    "Nettverk for",
    "Pilotprosjekt om",
    "Strategi for",
    "Samarbeid om",
    "Program for",
    "Utredning av",
]
MILESTONE_STEPS = [
    "Oppstartsmøte med kommunene",
    "Kartlegging ferdig",
    "Utkast sendt på høring",
    "Innspill oppsummert",
    "Vedtak i regionrådet",
    "Tiltak gjennomført",
    "Rapport lagt fram",
    "Evaluering av piloten",
]
COMMENTS = {
    Status.NOT_STARTED: [
        "Arbeidet starter når finansieringen er på plass.",
        "Venter på at arbeidsgruppa blir satt sammen.",
        "Ikke startet ennå; planlagt oppstart etter sommeren.",
    ],
    Status.ON_TRACK: [
        "Arbeidsgruppa har hatt møte, og kartleggingen går etter planen.",
        "Kommunene har levert tall, og utkastet er under arbeid.",
        "God framdrift; neste steg er møte med næringslivet.",
        "Følger planen. Referat fra siste samling ligger i saksarkivet.",
    ],
    Status.AT_RISK: [
        "To kommuner har ikke levert tall ennå, så fristen kan bli vanskelig å holde.",
        "Prosjektlederen har sluttet; ny person er under rekruttering.",
        "Usikker finansiering for neste år gjør at tiltaket kan bli forsinket.",
    ],
    Status.DELAYED: [
        "Forsinket fordi tilskuddet kom senere enn ventet.",
        "Høringen ble utsatt etter ønske fra kommunene, ny frist er satt.",
        "Forsinket på grunn av manglende kapasitet i administrasjonen.",
    ],
    Status.DONE: [
        "Fullført og rapportert til arbeidsgruppa.",
        "Ferdig; resultatet er lagt fram i regionrådet.",
    ],
    Status.CANCELLED: [
        "Avlyst etter vedtak i møtet; innsatsen flyttes til et annet tiltak.",
        "Avlyst fordi et nasjonalt program dekker det samme.",
    ],
}
PARTNERS = [
    "NAV",
    "Universitetet i Tromsø",
    "Næringsforeningen",
    "Statsforvalteren",
    "Innovasjon Norge",
]


def _weighted(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


# --- Agreements, people and meetings -----------------------------------------------------------


@dataclass
class AgreementPeople:
    agreement: Agreement
    county: Party
    council: Party
    coordinators: list[Coordinator]  # the ones who log progress
    readers: list[Coordinator]


def _agreement_data(base: dict, index: int) -> dict:
    """The real agreement's text under another name and regional council."""
    if index == 0:
        return base
    data = json.loads(json.dumps(base))
    number = f"{index:03d}"
    council = f"testregionradet-{number}"
    data["slug"] = f"testregion-{number}"
    data["title"] = f"Tromsvekstavtalen for testregion {number} (testdata)"
    data["short_title"] = f"Testregion {number}"
    data["is_public"] = index % 3 == 0
    for party in data["parties"]:
        if party["slug"] == COUNCIL_SLUG:
            party.update(
                slug=council,
                name=f"Testregionrådet {number}",
                adopted_by=f"Representantskapet i Testregionrådet {number}",
                website="",
            )
    for signatory in data["signatories"]:
        if signatory["party"] == COUNCIL_SLUG:
            signatory["party"] = council
            signatory["name"] = f"Leder {number}"
    return data


def _users_and_roles(agreements: list[Agreement], password: str) -> list[AgreementPeople]:
    """Per agreement: a county coordinator (each one shared by five agreements), two
    council coordinators and two readers (politicians)."""
    users: dict[str, User] = {}

    def user(username: str, first: str, last: str) -> User:
        if username not in users:
            users[username] = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@testdata.invalid",
                password=password,
            )
        return users[username]

    plan = []
    for i, agreement in enumerate(agreements):
        n = f"{i:03d}"
        plan.append(
            (
                agreement,
                [
                    (
                        user(f"bench.fylke.{i // 5:02d}", "Frida", f"Fylke {i // 5:02d}"),
                        "county",
                        "coordinator",
                    ),
                    (
                        user(f"bench.koord.{n}", "Kari", f"Koordinator {n}"),
                        "council",
                        "coordinator",
                    ),
                    (
                        user(f"bench.koord2.{n}", "Knut", f"Koordinator {n}"),
                        "council",
                        "coordinator",
                    ),
                    (user(f"bench.politiker.{n}", "Per", f"Politiker {n}"), "council", "reader"),
                    (
                        user(f"bench.fylkespolitiker.{n}", "Fia", f"Politiker {n}"),
                        "county",
                        "reader",
                    ),
                ],
            )
        )
    User.objects.bulk_create(users.values(), batch_size=1000)
    by_name = {u.username: u for u in User.objects.filter(username__in=list(users))}
    parties = {
        (m.agreement_id, m.party.kind): m.party
        for m in AgreementParty.objects.select_related("party")
    }
    coordinators, out = [], []
    for agreement, roles in plan:
        county = parties[(agreement.pk, Party.Kind.COUNTY)]
        council = parties[(agreement.pk, Party.Kind.REGIONAL_COUNCIL)]
        for person, side, role in roles:
            coordinators.append(
                Coordinator(
                    agreement=agreement,
                    user=by_name[person.username],
                    party=county if side == "county" else council,
                    role=role,
                    title="Rådgiver" if role == "coordinator" else "Politiker",
                )
            )
    Coordinator.objects.bulk_create(coordinators, batch_size=1000)
    by_agreement: dict[int, list[Coordinator]] = {}
    for c in Coordinator.objects.select_related("user").order_by("pk"):
        by_agreement.setdefault(c.agreement_id, []).append(c)
    for agreement, _roles in plan:
        mine = by_agreement[agreement.pk]
        out.append(
            AgreementPeople(
                agreement=agreement,
                county=parties[(agreement.pk, Party.Kind.COUNTY)],
                council=parties[(agreement.pk, Party.Kind.REGIONAL_COUNCIL)],
                coordinators=[c for c in mine if c.role == Coordinator.Role.COORDINATOR],
                readers=[c for c in mine if c.role == Coordinator.Role.READER],
            )
        )
    return out


def _aware(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _meetings(people: list[AgreementPeople], now: datetime.datetime, rng: random.Random) -> None:
    """Two meetings a year 2025–2028 per agreement (§5.1): a digital one in spring, a physical
    one in autumn; held if they are over, else planned. Held ones have agenda items, decisions
    and follow-up tasks (the last meeting's still open)."""
    meetings, participants = [], []
    for p in people:
        for year in range(2025, 2029):
            for kind, month, day, hours in (
                (Meeting.Kind.DIGITAL, 4, 22, (10, 12)),
                (Meeting.Kind.PHYSICAL, 10, 14, (9, 15)),
            ):
                start = _aware(datetime.date(year, month, day), hours[0])
                end = _aware(datetime.date(year, month, day), hours[1])
                physical = kind == Meeting.Kind.PHYSICAL
                meetings.append(
                    Meeting(
                        agreement=p.agreement,
                        title=f"{'Høstmøte' if physical else 'Vårmøte'} {year}",
                        kind=kind,
                        status=Meeting.Status.HELD if end < now else Meeting.Status.PLANNED,
                        start=start,
                        end=end,
                        place="Harstad, Rådhuset" if physical else "",
                        video_link="" if physical else "https://møte.testdata.invalid/rom",
                        inviting_party=p.council,
                        minutes="Partene gikk gjennom handlingsplanen og statusrapportene."
                        if end < now
                        else "",
                    )
                )
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    people_by_agreement = {p.agreement.pk: p for p in people}
    through = Meeting.participants.through
    for meeting in meetings:
        for c in people_by_agreement[meeting.agreement_id].coordinators[:2]:
            participants.append(through(meeting_id=meeting.pk, user_id=c.user_id))
    through.objects.bulk_create(participants, batch_size=5000)

    goals: dict[int, list[SubGoal]] = {}
    for goal in SubGoal.objects.order_by("pk"):
        goals.setdefault(goal.agreement_id, []).append(goal)
    held = [m for m in meetings if m.status == Meeting.Status.HELD]
    items = []
    for meeting in held:
        goal = rng.choice(goals[meeting.agreement_id])
        items.append(
            AgendaItem(meeting=meeting, number=1, title="Status for handlingsplanen", sub_goal=goal)
        )
        items.append(
            AgendaItem(meeting=meeting, number=2, title=f"Delmål {goal.code}", sub_goal=goal)
        )
    AgendaItem.objects.bulk_create(items, batch_size=2000)
    decisions = [
        Decision(agenda_item=item, text="Saken tas til orientering, og arbeidet fortsetter.")
        for item in items
    ]
    Decision.objects.bulk_create(decisions, batch_size=2000)
    last_held = {}
    for meeting in held:
        last_held[meeting.agreement_id] = meeting
    tasks = []
    for decision in decisions:
        meeting = decision.agenda_item.meeting
        person = rng.choice(people_by_agreement[meeting.agreement_id].coordinators)
        is_open = last_held[meeting.agreement_id] is meeting or rng.random() < 0.1
        due = timezone.localdate(meeting.start) + datetime.timedelta(days=rng.randint(14, 60))
        tasks.append(
            FollowUpTask(
                decision=decision,
                title="Følge opp vedtaket overfor kommunene",
                responsible_id=person.user_id,
                due_date=due,
                done=not is_open,
                done_on=None if is_open else due,
            )
        )
    FollowUpTask.objects.bulk_create(tasks, batch_size=2000)


# --- Plans, actions, milestones and their history -------------------------------------------------


def _plans_and_actions(people: list[AgreementPeople], shape: Shape, rng: random.Random):
    first_plans, second_plans = [], []
    for p in people:
        first_plans.append(
            ActionPlan(
                agreement=p.agreement,
                start_year=2025,
                end_year=2026,
                status=ActionPlan.PlanStatus.ADOPTED,
                adopted_on=datetime.date(2025, 3, 12),
            )
        )
    ActionPlan.objects.bulk_create(first_plans)
    plans = list(first_plans)
    if shape.plans_per_agreement > 1:
        for plan in first_plans:
            second_plans.append(
                ActionPlan(
                    agreement_id=plan.agreement_id,
                    start_year=2027,
                    end_year=2028,
                    status=ActionPlan.PlanStatus.DRAFT,
                    previous=plan,
                )
            )
        ActionPlan.objects.bulk_create(second_plans)
        plans += second_plans

    goals: dict[int, list[SubGoal]] = {}
    for goal in SubGoal.objects.prefetch_related("strategies").order_by(
        "focus_area__number", "order"
    ):
        goals.setdefault(goal.agreement_id, []).append(goal)
    people_by_agreement = {p.agreement.pk: p for p in people}
    actions = []
    for plan in plans:
        p = people_by_agreement[plan.agreement_id]
        agreement_goals = goals[plan.agreement_id]
        per_goal: dict[str, int] = {}
        for i in range(shape.actions_per_plan):
            goal = agreement_goals[i % len(agreement_goals)]
            per_goal[goal.code] = per_goal.get(goal.code, 0) + 1
            topic = TOPICS[(i * 5 + plan.agreement_id) % len(TOPICS)]
            actions.append(
                Action(
                    plan=plan,
                    number=f"{goal.code}-{per_goal[goal.code]}",
                    title=f"{rng.choice(ACTION_VERBS)} {topic}",
                    description=f"Tiltaket skal styrke arbeidet med {topic} i regionen, i "
                    "samarbeid med kommunene og næringslivet.",
                    sub_goal=goal,
                    lead_party=p.county if i % 3 == 0 else p.council,
                    partners=", ".join(rng.sample(PARTNERS, 2)),
                    order=i,
                )
            )
    Action.objects.bulk_create(actions, batch_size=2000)
    # The draft 2027–2028 plan carries most actions over from 2025–2026.
    by_number = {(a.plan_id, a.number): a for a in actions}
    carried = []
    for plan in second_plans:
        for a in actions:
            if a.plan_id == plan.pk and a.order < shape.actions_per_plan * 3 // 5:
                a.carried_from = by_number.get((plan.previous_id, a.number))
                carried.append(a)
    Action.objects.bulk_update(carried, ["carried_from"], batch_size=2000)

    strategies, responsible = [], []
    goal_by_pk = {g.pk: g for gs in goals.values() for g in gs}
    for a in actions:
        options = list(goal_by_pk[a.sub_goal_id].strategies.all())
        for s in rng.sample(options, min(len(options), rng.choice((1, 2)))):
            strategies.append(Action.strategies.through(action_id=a.pk, strategy_id=s.pk))
        coordinator = rng.choice(people_by_agreement[a.plan.agreement_id].coordinators)
        responsible.append(
            Action.responsible.through(action_id=a.pk, coordinator_id=coordinator.pk)
        )
    Action.strategies.through.objects.bulk_create(strategies, batch_size=5000)
    Action.responsible.through.objects.bulk_create(responsible, batch_size=5000)
    return plans, actions


FINAL_PAST = [
    (Status.DONE, 62),
    (Status.CANCELLED, 6),
    (Status.DELAYED, 16),
    (Status.AT_RISK, 8),
    (Status.ON_TRACK, 8),
]
FINAL_FUTURE = [
    (Status.ON_TRACK, 45),
    (Status.NOT_STARTED, 25),
    (Status.AT_RISK, 12),
    (Status.DELAYED, 6),
    (Status.DONE, 12),
]
FINAL_NEXT_PLAN = [
    (Status.NOT_STARTED, 55),
    (Status.ON_TRACK, 35),
    (Status.AT_RISK, 7),
    (Status.DONE, 3),
]
ALONG_THE_WAY = [(Status.ON_TRACK, 75), (Status.AT_RISK, 17), (Status.DELAYED, 8)]


def _final_percent(status: str, rng: random.Random) -> int:
    return {
        Status.DONE: 100,
        Status.NOT_STARTED: 0,
        Status.CANCELLED: rng.randint(0, 60),
        Status.ON_TRACK: rng.randint(20, 90),
        Status.AT_RISK: rng.randint(10, 70),
        Status.DELAYED: rng.randint(5, 60),
    }[status]


def _history_window(
    plan: ActionPlan, now: datetime.datetime
) -> tuple[datetime.datetime, datetime.datetime]:
    """When a plan's progress updates were logged: from shortly before it starts until today
    (a plan that has not started yet has its preparations logged in the last months)."""
    if plan.previous_id is None:
        start = _aware(datetime.date(plan.start_year, 3, 15), 8)
    else:
        start = _aware(datetime.date(plan.start_year - 1, 9, 1), 8)
    end = min(now - datetime.timedelta(hours=2), _aware(datetime.date(plan.end_year, 12, 31), 16))
    if end - start < datetime.timedelta(days=60):
        start = end - datetime.timedelta(days=60)
    return start, end


def _copy_rows(table: str, columns: list[str], rows) -> int:
    count = 0
    quoted = ", ".join(f'"{column}"' for column in columns)
    sql = f"COPY {table} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 1)) FROM {table}",  # noqa: S608
            [table],
        )


def _milestones_and_updates(
    actions: list[Action],
    plans: list[ActionPlan],
    people: list[AgreementPeople],
    shape: Shape,
    now,
    rng,
) -> tuple[int, int]:
    """Milestones and their append-only history, written with COPY.

    Ids are given here so that each milestone can point at its last update (the foreign key is
    deferred to the end of the transaction, as Django makes them on PostgreSQL).
    """
    today = timezone.localdate(now)
    plan_by_pk = {p.pk: p for p in plans}
    people_by_agreement = {p.agreement.pk: p for p in people}
    milestone_id = _next_id("actionplans_milestone")
    update_id = _next_id("actionplans_progressupdate")
    milestone_rows, update_rows = [], []
    n = shape.updates_per_milestone

    for action in actions:
        plan = plan_by_pk[action.plan_id]
        p = people_by_agreement[plan.agreement_id]
        window_start, window_end = _history_window(plan, now)
        span = (window_end - window_start).total_seconds()
        days = (plan.last_day - plan.first_day).days
        for k in range(shape.milestones_per_action):
            # Due dates spread over the plan's two years, in order within the action.
            share = (k + rng.random() * 0.8) / shape.milestones_per_action
            due = plan.first_day + datetime.timedelta(days=int(days * share))
            if plan.previous_id is not None:
                final = _weighted(rng, FINAL_NEXT_PLAN)
            else:
                final = _weighted(rng, FINAL_PAST if due < today else FINAL_FUTURE)
            final_percent = _final_percent(final, rng)
            responsible = rng.choice(p.coordinators)
            authors = [responsible.user_id, rng.choice(p.coordinators).user_id]
            times = sorted(
                window_start + datetime.timedelta(seconds=rng.random() * span) for _ in range(n)
            )
            status, percent = "", None
            first_update = update_id
            for j in range(n):
                if j == n - 1:
                    new_status, new_percent = final, final_percent
                elif final == Status.NOT_STARTED or j < 3:
                    new_status, new_percent = Status.NOT_STARTED, 0
                else:
                    new_status = _weighted(rng, ALONG_THE_WAY)
                    top = final_percent if final_percent else 60
                    new_percent = min(99, round(top * (j + 1) / n))
                comments = COMMENTS[new_status]
                comment = (
                    rng.choice(comments)
                    if new_status in (Status.AT_RISK, Status.DELAYED) or rng.random() < 0.7
                    else ""
                )
                update_rows.append(
                    (
                        update_id,
                        milestone_id,
                        authors[0] if rng.random() < 0.8 else authors[1],
                        times[j],
                        new_status,
                        new_percent,
                        comment,
                        "https://testdata.invalid/sak/123" if rng.random() < 0.1 else "",
                        status,
                        percent,
                        False,
                    )
                )
                status, percent = new_status, new_percent
                update_id += 1
            completed = timezone.localdate(times[-1]) if final == Status.DONE else None
            milestone_rows.append(
                (
                    milestone_id,
                    action.pk,
                    f"{MILESTONE_STEPS[(k + action.order) % len(MILESTONE_STEPS)]} ({action.number})",
                    "Milepælen følges opp av den ansvarlige koordinatoren.",
                    due,
                    responsible.pk,
                    final,
                    final_percent,
                    completed,
                    n,
                    first_update + n - 1,
                    k,
                    None,
                )
            )
            milestone_id += 1
    milestones = _copy_rows(
        "actionplans_milestone",
        [
            "id",
            "action_id",
            "title",
            "description",
            "due_date",
            "responsible_id",
            "status",
            "percent",
            "completed_on",
            "version",
            "last_update_id",
            "order",
            "carried_from_id",
        ],
        milestone_rows,
    )
    updates = _copy_rows(
        "actionplans_progressupdate",
        [
            "id",
            "milestone_id",
            "author_id",
            "created_at",
            "status",
            "percent",
            "comment",
            "evidence_url",
            "previous_status",
            "previous_percent",
            "is_correction",
        ],
        update_rows,
    )
    _reset_sequence("actionplans_milestone")
    _reset_sequence("actionplans_progressupdate")
    return milestones, updates


def _evaluation() -> str:
    """The demo mid-term evaluation 2026 of the real agreement, over its generated plan
    2025–2026, with the demo indicators and feedback."""
    from tromsvekst.demo.evaluation import demo_evaluation_load
    from tromsvekst.demo.indicators import demo_indicators_load

    result = demo_evaluation_load()
    demo_indicators_load()
    return str(result.evaluation)


# The mixed load (benchmarks/measure.py) has this many coordinators and politicians at once; the
# first agreement gets them on top of its own (after everything else is made, so that the rest of
# the data set does not depend on them).
MIXED_LOAD_PEOPLE = 10


def mixed_load_usernames(role: str) -> list[str]:
    """The mixed load's coordinators (``role="coordinator"``) or politicians (``"reader"``)."""
    kind = "koord" if role == "coordinator" else "politiker"
    return [f"bench.last.{kind}.{n:02d}" for n in range(MIXED_LOAD_PEOPLE)]


def _mixed_load_people(first: AgreementPeople, password: str) -> None:
    """Ten coordinators and ten politicians (readers) of the council, for the first agreement."""
    made = []
    for role, last_name in (("coordinator", "Koordinator"), ("reader", "Politiker")):
        for n, username in enumerate(mixed_load_usernames(role)):
            user = User.objects.create(
                username=username,
                first_name="Last",
                last_name=f"{last_name} {n:02d}",
                email=f"{username}@testdata.invalid",
                password=password,
            )
            made.append(
                Coordinator(
                    agreement=first.agreement,
                    user=user,
                    party=first.council,
                    role=role,
                    title="Rådgiver" if role == "coordinator" else "Politiker",
                )
            )
    Coordinator.objects.bulk_create(made)


def build(shape: Shape, log=print) -> dict:
    """Fill the (empty, migrated) database with the data set. Returns counts."""
    started = timezone.now()
    rng = random.Random(shape.seed)  # noqa: S311 - reproducible test data, not secrets
    base = read_agreement_file(Path(settings.FIXTURES_DIR) / AGREEMENT_FILE)
    with transaction.atomic():
        agreements = [
            agreement_load(data=_agreement_data(base, i)).agreement for i in range(shape.agreements)
        ]
        log(f"  {len(agreements)} agreements loaded")
        password = make_password(BENCH_PASSWORD)
        people = _users_and_roles(agreements, password)
        _meetings(people, started, rng)
        log("  users, coordinators and meetings made")
        plans, actions = _plans_and_actions(people, shape, rng)
        log(f"  {len(plans)} plans, {len(actions)} actions made")
        milestones, updates = _milestones_and_updates(actions, plans, people, shape, started, rng)
        log(f"  {milestones} milestones, {updates} progress updates copied in")
        evaluation = _evaluation()
        log(f"  evaluation: {evaluation}")
        _mixed_load_people(people[0], password)
        log(f"  {MIXED_LOAD_PEOPLE} more coordinators and readers for the mixed load")
    seconds = (timezone.now() - started).total_seconds()
    write_marker(shape, started, seconds)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"milestones": milestones, "updates": updates, "seconds": seconds}
