import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from evaluation.models import Evaluation
from evaluation.report import render_report_pdf

GOAL_SECONDS = 5.0


class Command(BaseCommand):
    help = (
        "Render an evaluation report to PDF a number of times and print the median and maximum "
        f"time (the goal is at most {GOAL_SECONDS:g} s for the demo mid-term report). "
        "Nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--evaluation",
            type=int,
            help="The evaluation's id (default: the example mid-term evaluation, else the first).",
        )
        parser.add_argument("-n", "--runs", type=int, default=5, help="How many times (default 5).")

    def handle(self, *args, evaluation=None, runs=5, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        evaluations = Evaluation.objects.select_related("agreement")
        if evaluation is not None:
            chosen = evaluations.filter(pk=evaluation).first()
            if chosen is None:
                raise CommandError(f"No evaluation with id {evaluation}.")
        else:
            chosen = (
                evaluations.filter(is_example=True, kind=Evaluation.Kind.MID_TERM).first()
                or evaluations.order_by("pk").first()
            )
            if chosen is None:
                raise CommandError("No evaluations. Load the demo first: manage.py load_demo")
        times, cpu_times, size = [], [], 0
        for run in range(1, runs + 1):
            start, cpu_start = time.perf_counter(), time.process_time()
            pdf = render_report_pdf(chosen)
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
            times.append(elapsed)
            cpu_times.append(cpu)
            size = len(pdf)
            self.stdout.write(f"run {run}: {elapsed:.2f} s (CPU {cpu:.2f} s)")
        median, worst = statistics.median(times), max(times)
        # CPU time shows what the rendering itself costs when the machine is busy.
        self.stdout.write(
            f"{chosen} ({chosen.agreement.slug}, id {chosen.pk}): {runs} runs, "
            f"median {median:.2f} s, max {worst:.2f} s "
            f"(CPU median {statistics.median(cpu_times):.2f} s), {size / 1024:.0f} KiB"
        )
        verdict = "within" if median <= GOAL_SECONDS else "OVER"
        self.stdout.write(f"{verdict} the goal of {GOAL_SECONDS:g} s (median)")
