"""Where a page made fresh spends its time in PostgreSQL: each query's time as the client waits
for it, the median over the requests, on a bench database that ``make bench`` has built.

    python -m benchmarks.queries dashboard        # or: plan, search, search-admin
    python -m benchmarks.queries dashboard --runs 60 --scale county

Prints the wall-clock and CPU medians of the whole request and, per query (its first 90
characters), the mean time per request, slowest first. DEBUG off, kept pages off (every request
is made fresh), the users of the bench data set (benchmarks/measure.py). Queries sent together
(``tromsvekst.lib.queries.rows_together``) show only the time to send them: their wait for the
answers falls between the queries, in the request's median.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.run import DB_PREFIX, RESULTS, server_url

PAGES = ("dashboard", "plan", "search", "search-admin")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", choices=PAGES)
    parser.add_argument("--scale", default="county", choices=["county", "national"])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tromsvekst.settings",
        DATABASE_URL=f"{server_url()}/{DB_PREFIX}{args.scale}",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="testserver",
        HTTPS="False",
        STATIC_MANIFEST="False",
        LOG_LEVEL="ERROR",
        PAGE_CACHE_SECONDS="0",
        STATIC_ROOT=str(RESULTS / "static"),
    )
    from benchmarks import measure  # sets Django up with the environment above

    plan = measure.ActionPlan.objects.get(agreement__slug=measure.REAL_SLUG, start_year=2025)
    users = {
        "dashboard": (measure.READER, f"/avtaler/{measure.REAL_SLUG}/oversikt/"),
        "plan": (measure.COORDINATOR, plan.get_absolute_url()),
        "search": (measure.COUNTY_COORDINATOR, f"/sok/?q={measure.SEARCH_WORDS}"),
        "search-admin": (measure.SEARCH_ADMIN, f"/sok/?q={measure.SEARCH_WORDS}"),
    }
    username, url = users[args.page]
    client = measure.logged_in(username)
    for _ in range(args.warmup):
        assert client.get(url).status_code == 200
    times: dict[str, list[float]] = {}

    def timed(execute: Callable[..., Any], sql: str, *rest: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, *rest)
        finally:
            times.setdefault(sql[:90], []).append(time.perf_counter() - start)

    walls, cpus = [], []
    with measure.connection.execute_wrapper(timed):
        for _ in range(args.runs):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    print(
        f"{args.page} ({args.scale}): median {statistics.median(walls) * 1000:.1f} ms, "
        f"CPU median {statistics.median(cpus) * 1000:.1f} ms, {args.runs} requests"
    )
    total = 0.0
    for sql, spent in sorted(times.items(), key=lambda item: -sum(item[1])):
        per_request = sum(spent) / args.runs
        total += per_request
        print(f"{per_request * 1000:7.2f} ms  ×{len(spent) / args.runs:.0f}  {sql}")
    print(f"{total * 1000:7.2f} ms  in all queries")


if __name__ == "__main__":
    sys.exit(main())
