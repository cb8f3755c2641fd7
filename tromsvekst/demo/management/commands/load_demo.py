"""``manage.py load_demo``: the demo users and the example data of ``tromsvekst.demo``."""

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Agreement
from tromsvekst.demo.evaluation import demo_evaluation_load
from tromsvekst.demo.indicators import demo_indicators_load
from tromsvekst.demo.meetings import demo_meetings_load
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import DEMO_PASSWORD, REAL_AGREEMENT, demo_users_load


class Command(BaseCommand):
    help = (
        "Add the demo users, the example action plan and its history, meetings, an evaluation "
        "and indicators (all marked as example data). Safe to run again."
    )

    def handle(self, *args: object, **options: object) -> None:
        if not Agreement.objects.filter(slug=REAL_AGREEMENT).exists():
            raise CommandError("Load the agreement first: manage.py load_agreement")
        users = demo_users_load()
        result = demo_plan_load()
        self.stdout.write("")
        if result.plan.is_example:
            self.stdout.write(
                f"Demo action plan {result.plan.period} (example data): {result.actions} actions, "
                f"{result.milestones} milestones, {result.updates} progress updates"
                + ("." if result.created else " (already loaded, left as it was).")
            )
        else:
            self.stdout.write(
                f"The agreement already has an action plan {result.plan.period} that is not "
                "example data; the demo plan was not added."
            )
        meetings = demo_meetings_load()
        self.stdout.write(
            f"Demo meetings 2025–2026 (example data): {meetings.meetings} meetings"
            + ("." if meetings.created else " (already there, left as they were).")
        )
        evaluation = demo_evaluation_load()
        indicators = demo_indicators_load()
        self.stdout.write(
            f"Demo evaluation (example data): {evaluation.evaluation}, "
            f"{'created' if evaluation.created else 'already there'}; "
            f"{indicators.indicators_created} indicators, {indicators.values_created} values and "
            f"{indicators.feedback_created} feedback entries added."
        )
        self.stdout.write("")
        self.stdout.write("Demo logins (example data), all with the password " + DEMO_PASSWORD)
        for demo, _created in users:
            self.stdout.write(f"  {demo.username:<24} {demo.description}")
        self.stdout.write("")
