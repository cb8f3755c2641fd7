"""Helpers shared by the evaluation tests (plain functions, not fixtures, so that no conftest is
needed beside the other evaluation tests).

``build_history(agreement, user)`` makes the data whose figures the snapshot tests compute by
hand (see its docstring); ``frozen(moment)`` fixes "now" (and so "today" in Europe/Oslo).
"""

import datetime
import shutil
import subprocess
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

from agreements.models import Agreement
from evaluation import services
from evaluation.models import Evaluation, SubGoalAssessment
from tests.factories import make_action, make_milestone, make_plan

XSS = "<script>alert(1)</script>"
HAS_PDFTOTEXT = shutil.which("pdftotext") is not None


@contextmanager
def frozen(moment: datetime.datetime):
    """``timezone.now()`` is ``moment`` inside the block (progress updates included)."""
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)):
        yield


def build_history(agreement: Agreement) -> SimpleNamespace:
    """Plan 2025–2026 (covered by the mid-term evaluation) and plan 2027–2028 (the next one).

    Milestones in plan 2025–2026, and what they count as on 1 March 2026:

    ======  ========  ==========  ===========  =======  ========
    delmål  name      due         status       percent  overdue
    ======  ========  ==========  ===========  =======  ========
    1.1     survey    2025-06-30  done         100      no
    1.1     strategy  2025-12-31  delayed      40       yes
    1.1     seminar   2026-06-30  on_track     50       no
    1.1     fair      2025-10-01  cancelled    0        no (closed; not in the average)
    1.2     school    2026-12-31  not_started  0        no
    1.2     network   2025-09-30  at_risk      20       yes
    ======  ========  ==========  ===========  =======  ========

    So delmål 1.1: 4 milestones, average (100 + 40 + 50) / 3 = 63.33 %, 1 overdue; delmål 1.2:
    2 milestones, average 10 %, 1 overdue; every other delmål: none. Innsatsområde 1 (and the
    whole plan): 6 milestones, average (100 + 40 + 50 + 0 + 20) / 5 = 42 %, 2 overdue.

    Plan 2027–2028 has action 1.1-9 «Boligprogram» (milestone «Neste plan», due 2027-06-30),
    which the mid-term evaluation never counts but its recommendations may point to.
    """
    d = datetime.date
    plan = make_plan(agreement, 2025, 2026)
    housing = make_action(plan, "1.1-1", "1.1", "Felles boligstrategi")
    skills = make_action(plan, "1.2-1", "1.2", "Fagarbeiderløftet")
    ms = {
        "survey": make_milestone(housing, "Kartlegge boligbehovet", d(2025, 6, 30), "done", 100),
        "strategy": make_milestone(
            housing, "Boligstrategi vedtatt", d(2025, 12, 31), "delayed", 40
        ),
        "seminar": make_milestone(housing, "Boligseminar", d(2026, 6, 30), "on_track", 50),
        "fair": make_milestone(housing, "Boligmesse", d(2025, 10, 1), "cancelled", 0),
        "school": make_milestone(skills, "Skoleprosjekt", d(2026, 12, 31)),
        "network": make_milestone(
            skills, "Nettverk for fagarbeidere", d(2025, 9, 30), "at_risk", 20
        ),
    }
    next_plan = make_plan(agreement, 2027, 2028)
    next_action = make_action(next_plan, "1.1-9", "1.1", "Boligprogram")
    ms["next"] = make_milestone(next_action, "Neste plan", d(2027, 6, 30), "on_track", 10)
    return SimpleNamespace(plan=plan, next_plan=next_plan, next_action=next_action, ms=ms)


def new_evaluation(agreement: Agreement, plans, *, kind="mid_term", year=2026) -> Evaluation:
    return services.evaluation_create(agreement=agreement, kind=kind, year=year, plans=plans)


def assessment(evaluation: Evaluation, code: str) -> SubGoalAssessment:
    return SubGoalAssessment.objects.get(evaluation=evaluation, sub_goal__code=code)


def rate_all(evaluation: Evaluation, rating: int = 3) -> None:
    SubGoalAssessment.objects.filter(evaluation=evaluation).update(
        rating=rating, narrative="Vurdert."
    )


def set_status(evaluation: Evaluation, status: str) -> Evaluation:
    Evaluation.objects.filter(pk=evaluation.pk).update(status=status)
    evaluation.refresh_from_db()
    return evaluation


def pdftotext(pdf: bytes, *, layout: bool = False) -> str:
    """The text of the PDF, pages separated by form feeds, whitespace in each page collapsed."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return "\f".join(" ".join(page.split()) for page in out.split("\f"))
