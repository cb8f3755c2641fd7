"""What one small query costs as a page sends it: the round trip to PostgreSQL when the query
follows straight on the last one, and when the application has worked for a while in between
(the database server's process has gone idle and must be woken), one query at a time and six
sent together in one pipeline (tromsvekst.lib.queries.rows_together).

    python -m benchmarks.roundtrip            # 500 rounds for each pause
    python -m benchmarks.roundtrip --rounds 2000

Prints the median wait per round, in ms. Plain psycopg against the server ``make bench`` uses
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432), database ``postgres``; no data
of the portal's is read.
"""

import argparse
import statistics
import sys
import time

import psycopg

from benchmarks.run import server_url

PAUSES_MS = (0.0, 0.2, 1.0, 3.0)
TOGETHER = 6


def _work(ms: float) -> None:
    """The application's own work between two queries: the CPU kept busy for ``ms``."""
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    args = parser.parse_args()
    with psycopg.connect(f"{server_url()}/postgres", autocommit=True, prepare_threshold=1) as db:
        db.execute("SELECT 1")
        print(
            f"pause before  one query  {TOGETHER} queries together   (median ms, {args.rounds} rounds)"
        )
        for pause in PAUSES_MS:
            alone, together = [], []
            for n in range(args.rounds):
                _work(pause)
                start = time.perf_counter()
                db.execute("SELECT %s::int", (n,)).fetchall()
                alone.append(time.perf_counter() - start)
                _work(pause)
                start = time.perf_counter()
                with db.pipeline():
                    cursors = [db.cursor() for _ in range(TOGETHER)]
                    for k, cursor in enumerate(cursors):
                        cursor.execute("SELECT %s::int + %s::int", (n, k))
                    for cursor in cursors:
                        cursor.fetchall()
                together.append(time.perf_counter() - start)
            print(
                f"{pause:8.1f} ms  {statistics.median(alone) * 1000:9.3f}"
                f"  {statistics.median(together) * 1000:20.3f}"
            )


if __name__ == "__main__":
    sys.exit(main())
