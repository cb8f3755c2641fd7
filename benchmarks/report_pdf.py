"""Render an evaluation report to PDF a number of times and print the median and maximum time.

    .venv/bin/python -m benchmarks.report_pdf                  # the demo mid-term report, 5 runs
    .venv/bin/python -m benchmarks.report_pdf --evaluation 3 -n 10

It reads the portal's own database (the environment of ``manage.py``: ``DATABASE_URL``, ``DEBUG``
…) and stores nothing. The goal is at most ``GOAL_SECONDS`` for the demo mid-term report.
"""

import argparse
import os
import statistics
import sys
import time

import django

GOAL_SECONDS = 5.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.report_pdf",
        description=(
            "Render an evaluation report to PDF a number of times and print the median and "
            f"maximum time (the goal is at most {GOAL_SECONDS:g} s for the demo mid-term "
            "report). Nothing is stored."
        ),
    )
    parser.add_argument(
        "--evaluation",
        type=int,
        help="The evaluation's id (default: the example mid-term evaluation, else the first).",
    )
    parser.add_argument("-n", "--runs", type=int, default=5, help="How many times (default 5).")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1.")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tromsvekst.settings")
    django.setup()
    from evaluation.models import Evaluation
    from evaluation.report import render_report_pdf

    evaluations = Evaluation.objects.select_related("agreement")
    if args.evaluation is not None:
        chosen = evaluations.filter(pk=args.evaluation).first()
        if chosen is None:
            sys.exit(f"No evaluation with id {args.evaluation}.")
    else:
        chosen = (
            evaluations.filter(is_example=True, kind=Evaluation.Kind.MID_TERM).first()
            or evaluations.order_by("pk").first()
        )
        if chosen is None:
            sys.exit("No evaluations. Load the demo first: manage.py load_demo")
    times, cpu_times, size = [], [], 0
    for run in range(1, args.runs + 1):
        start, cpu_start = time.perf_counter(), time.process_time()
        pdf = render_report_pdf(chosen)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu_start
        times.append(elapsed)
        cpu_times.append(cpu)
        size = len(pdf)
        print(f"run {run}: {elapsed:.2f} s (CPU {cpu:.2f} s)")
    median, worst = statistics.median(times), max(times)
    # CPU time shows what the rendering itself costs when the machine is busy.
    print(
        f"{chosen} ({chosen.agreement.slug}, id {chosen.pk}): {args.runs} runs, "
        f"median {median:.2f} s, max {worst:.2f} s "
        f"(CPU median {statistics.median(cpu_times):.2f} s), {size / 1024:.0f} KiB"
    )
    verdict = "within" if median <= GOAL_SECONDS else "OVER"
    print(f"{verdict} the goal of {GOAL_SECONDS:g} s (median)")


if __name__ == "__main__":
    main()
