"""`make bench`: build the county and national data sets, measure, print, write docs/benchmarks.md.

    .venv/bin/python -m benchmarks.run                 # the full run (as `make bench`)
    .venv/bin/python -m benchmarks.run --scale 0.1     # a tenth of the agreements, for trying out
    .venv/bin/python -m benchmarks.run --rebuild       # build the data sets again

Each scale lives in a PostgreSQL database of its own, ``tromsvekst_bench_<scale>`` (a suffix is
added for --scale other than 1), on the server of ``BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432``; any database name in it is ignored). A database whose
marker says it holds the wanted data set is reused; otherwise it is dropped and built again.
The portal's own database is never touched.

The measuring runs in a separate process per database (``benchmarks.measure``) with production
settings: DEBUG off, a random secret key, plain HTTP on loopback.
"""

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from benchmarks.shape import MARKER_TABLE, Shape, marker_matches

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
RESULTS = ROOT / "var" / "bench"
BEGIN, END = "<!-- bench:begin (written by `make bench`) -->", "<!-- bench:end -->"
DB_PREFIX = "tromsvekst_bench_"

# Issue #7's targets.
DASHBOARD_MEDIAN_MS = 25  # county
DASHBOARD_P95_MS = 100  # national
THROUGHPUT_SHARE = 0.20
POST_MEDIAN_MS = 30
PLAN_MEDIAN_MS = 60  # county
SEARCH_MEDIAN_MS = 100  # county (issue #16)
PDF_SECONDS = 5
# Issue #14's: the plan page's HTML, and dashboard reads while coordinators save (county).
PLAN_PAGE_KIB = 150
MIXED_LOAD_P95_MS = 150

PAGES = [
    ("dashboard", "Dashboard (reader)"),
    ("dashboard_fresh", "Dashboard, made fresh (reader)"),
    ("plan_page", "Action plan page (coordinator)"),
    ("plan_page_fresh", "Action plan page, made fresh (coordinator)"),
    ("plan_action_rows", "An action's milestones on demand (htmx, coordinator)"),
    ("search", "Search «finansieringen» (county coordinator, 5 agreements)"),
    ("search_admin", "Search «finansieringen» (administrator, every agreement)"),
    ("progress_post", "Inline progress POST (htmx)"),
    ("evaluation_pdf", "Evaluation PDF (mid-term 2026)"),
]


# --- Databases ----------------------------------------------------------------------------------


def server_url() -> str:
    parts = urlsplit(os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432"))
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit("BENCH_DATABASE_URL must be a postgres:// URL.")
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def database_name(scale: str, factor: float) -> str:
    suffix = "" if factor == 1 else "_x" + re.sub(r"[^0-9]", "p", f"{factor:g}")
    return f"{DB_PREFIX}{scale}{suffix}"


def _connect(name: str):
    return psycopg.connect(f"{server_url()}/{name}", autocommit=True)


def prepare_database(name: str, shape: Shape, rebuild: bool) -> bool:
    """Make sure the database exists; True if the data set must be built in it."""
    assert name.startswith(DB_PREFIX)  # never anything but a bench database
    with _connect("postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        marker = None
        if exists and not rebuild:
            with _connect(name) as bench:
                if bench.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0]:
                    row = bench.execute(
                        f"SELECT value FROM {MARKER_TABLE} WHERE key = 'shape'"  # noqa: S608
                    ).fetchone()
                    marker = json.loads(row[0]) if row else None
        if exists and marker_matches(marker, shape):
            print(f"{name}: reusing the data set built {marker.get('built_at', '?')[:16]}")
            return False
        if exists:
            print(f"{name}: dropping it to build the data set again")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


# --- The machine --------------------------------------------------------------------------------


def _cpuinfo() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine() -> dict:
    with _connect("postgres") as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    import django

    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
        wrk_version = (out.stdout or out.stderr).split("[")[0].strip()
    return {
        "cpu": _cpuinfo(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "postgresql": pg,
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": platform.platform(),
        "wrk": wrk_version or "not installed (Python load generator used)",
    }


# --- Running ------------------------------------------------------------------------------------


def bench_env(name: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update(
        DJANGO_SETTINGS_MODULE="tromsvekst.settings",
        DATABASE_URL=f"{server_url()}/{name}",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        HTTPS="False",  # plain HTTP on loopback: no redirect to https
        STATIC_MANIFEST="False",  # no collectstatic needed; pages are measured, not static files
        LOG_LEVEL="ERROR",
        STATIC_ROOT=str(RESULTS / "static"),  # empty: whitenoise wants the folder to exist
    )
    (RESULTS / "static").mkdir(parents=True, exist_ok=True)
    return env


def run_scale(scale: str, args) -> dict:
    shape = Shape.for_scale(scale, args.scale)
    name = database_name(scale, args.scale)
    needs_build = prepare_database(name, shape, args.rebuild)
    out = RESULTS / f"result-{scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "benchmarks.measure",
        "--agreements",
        str(shape.agreements),
        "--label",
        scale,
        "--runs",
        str(args.runs),
        "--pdf-runs",
        str(args.pdf_runs),
        "--throughput-seconds",
        str(args.throughput_seconds),
        "--out",
        str(out),
    ] + (["--build"] if needs_build else [])
    if scale == "county" and args.mixed_load:
        command.append("--mixed-load")
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=bench_env(name), check=True)  # noqa: S603
    result = json.loads(out.read_text())
    result["database"] = name
    result["shape"] = shape.marker()
    result["seconds"] = time.monotonic() - started
    return result


# --- Reporting ----------------------------------------------------------------------------------


def _q(figures: dict) -> str:
    return "/".join(str(q) for q in figures["queries"])


def _size(n: float) -> str:
    return f"{n / 1024:,.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.2f} MiB"


def _ms(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def table(results: dict) -> list[str]:
    lines = [
        "| page | scale | median | p95 | max | CPU median | runs | SQL queries | response size |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in PAGES:
        for scale, r in results.items():
            f = r.get(key)
            if f is None:  # a page measured since the results were written
                continue
            lines.append(
                f"| {label} | {scale} | {_ms(f['median_ms'])} | {_ms(f['p95_ms'])} | "
                f"{_ms(f['max_ms'])} | {_ms(f['cpu_median_ms'])} | {f['n']} | {_q(f)} | "
                f"{_size(f['bytes'])} |"
            )
    return lines


def throughput_table(results: dict) -> list[str]:
    lines = [
        "| scale | view | requests/s | requests | latency p50 | latency p99 | dashboard / trivial |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for scale, r in results.items():
        t = r.get("throughput")
        if not t:
            continue
        for view in ("trivial", "dashboard"):
            v = t[view]
            share = f"{t['ratio']:.1%}" if view == "dashboard" else ""
            lines.append(
                f"| {scale} | `{v['path']}` | {v['rps']:,.1f} | {v['requests']:,} | "
                f"{v.get('latency_50', '–')} | {v.get('latency_99', '–')} | {share} |"
            )
    return lines


def mixed_load_table(results: dict) -> list[str]:
    lines = [
        "| scale | requests | n | p50 | p95 | max | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for scale, r in results.items():
        m = r.get("mixed_load")
        if not m:
            continue
        for key, label in (
            ("dashboard", "dashboard reads (GET)"),
            ("saves", "progress saves (POST)"),
        ):
            f = m[key]
            lines.append(
                f"| {scale} | {label} | {f['n']} | {_ms(f['p50_ms'])} | {_ms(f['p95_ms'])} | "
                f"{_ms(f['max_ms'])} | {f['errors']} |"
            )
    return lines


def verdicts(results: dict) -> list[tuple[str, bool | None, str]]:
    """(target, met?, the measured figure); None where the run did not measure it."""
    county, national = results.get("county"), results.get("national")
    out = []

    def add(target: str, ok: bool | None, figure: str) -> None:
        out.append((target, ok, figure))

    if county and national:
        same = {k: (county[k]["queries"], national[k]["queries"]) for k, _ in PAGES}
        differ = [k for k, (a, b) in same.items() if a != b or len(a) != 1]
        add(
            "SQL queries identical at both scales",
            not differ,
            "; ".join(f"{k}: {_q(county[k])} vs {_q(national[k])}" for k, _ in PAGES),
        )
    else:
        add("SQL queries identical at both scales", None, "needs both scales")
    if county:
        m = county["dashboard"]["median_ms"]
        add(
            f"dashboard median ≤ {DASHBOARD_MEDIAN_MS} ms (county)",
            m <= DASHBOARD_MEDIAN_MS,
            _ms(m),
        )
    if national:
        p = national["dashboard"]["p95_ms"]
        add(f"dashboard p95 ≤ {DASHBOARD_P95_MS} ms (national)", p <= DASHBOARD_P95_MS, _ms(p))
    # The same targets for pages made fresh (the first read after each change).
    if county:
        m = county["dashboard_fresh"]["median_ms"]
        add(
            f"dashboard made fresh: median ≤ {DASHBOARD_MEDIAN_MS} ms (county)",
            m <= DASHBOARD_MEDIAN_MS,
            _ms(m),
        )
    if national:
        p = national["dashboard_fresh"]["p95_ms"]
        add(
            f"dashboard made fresh: p95 ≤ {DASHBOARD_P95_MS} ms (national)",
            p <= DASHBOARD_P95_MS,
            _ms(p),
        )
    for scale, r in results.items():
        t = r.get("throughput")
        if t:
            add(
                f"dashboard throughput ≥ {THROUGHPUT_SHARE:.0%} of the trivial view's ({scale})",
                t["ratio"] >= THROUGHPUT_SHARE,
                f"{t['dashboard']['rps']:,.1f} / {t['trivial']['rps']:,.1f} req/s = "
                f"{t['ratio']:.1%}",
            )
    for scale, r in results.items():
        m = r["progress_post"]["median_ms"]
        add(f"progress POST median ≤ {POST_MEDIAN_MS} ms ({scale})", m <= POST_MEDIAN_MS, _ms(m))
    if county:
        m = county["plan_page"]["median_ms"]
        add(f"action plan page median ≤ {PLAN_MEDIAN_MS} ms (county)", m <= PLAN_MEDIAN_MS, _ms(m))
        m = county["plan_page_fresh"]["median_ms"]
        add(
            f"action plan page made fresh: median ≤ {PLAN_MEDIAN_MS} ms (county)",
            m <= PLAN_MEDIAN_MS,
            _ms(m),
        )
    if county:
        for key, who in (("search", "county coordinator"), ("search_admin", "administrator")):
            m = county[key]["median_ms"]
            add(
                f"search median ≤ {SEARCH_MEDIAN_MS} ms (county, {who})",
                m <= SEARCH_MEDIAN_MS,
                _ms(m),
            )
    if county:
        size = county["plan_page_fresh"]["bytes"]
        add(
            f"action plan page HTML ≤ {PLAN_PAGE_KIB} KiB (county)",
            size <= PLAN_PAGE_KIB * 1024,
            _size(size),
        )
    for scale, r in results.items():
        m = r.get("mixed_load")
        if m:
            d = m["dashboard"]
            add(
                f"mixed load: dashboard reads p95 ≤ {MIXED_LOAD_P95_MS} ms, no errors ({scale})",
                d["p95_ms"] <= MIXED_LOAD_P95_MS and not d["errors"] and not m["saves"]["errors"],
                f"p95 {_ms(d['p95_ms'])} (p50 {_ms(d['p50_ms'])}); errors: {d['errors']} reads, "
                f"{m['saves']['errors']} saves",
            )
    for scale, r in results.items():
        worst = r["evaluation_pdf"]["max_ms"]
        add(
            f"evaluation PDF ≤ {PDF_SECONDS} s, every run ({scale})",
            worst <= PDF_SECONDS * 1000,
            f"median {_ms(r['evaluation_pdf']['median_ms'])}, max {_ms(worst)}",
        )
    if national:
        e = national["explain"]
        seq = e["seq_scans_watched"]
        add(
            "EXPLAIN (national): no Seq Scan on the milestone or update tables",
            not seq,
            f"{e['selects']} SELECTs; Seq Scan on watched tables: {', '.join(seq) or 'none'}; "
            f"Seq Scan anywhere: {', '.join(e['seq_scans_all']) or 'none'}",
        )
    return out


def explain_lines(result: dict) -> list[str]:
    lines = ["| # | query (start) | time | scans (table: node [index]) |", "|---:|---|---:|---|"]
    for q in result["explain"]["queries"]:
        scans = "; ".join(
            f"{s['table']}: {s['node']}" + (f" [{s['index']}]" if s["index"] else "")
            for s in q["scans"]
        )
        sql = q["sql"].replace("|", "\\|")[:90]
        lines.append(f"| {q['number']} | `{sql}…` | {q['execution_ms']:.2f} ms | {scans} |")
    return lines


def report(results: dict, info: dict, args, command: str) -> list[str]:
    lines = [
        f"Run {info['finished']} (took {info['minutes']:.1f} min): `{command}`",
        "",
        f"Machine: {info['machine']['cpu']}, {info['machine']['cores']} cores, "
        f"{info['machine']['ram_gib']:.0f} GiB RAM; PostgreSQL {info['machine']['postgresql']}; "
        f"Python {info['machine']['python']}; Django {info['machine']['django']}; "
        f"load generator {info['machine']['wrk']}; {info['machine']['os']}.",
        f"Load average (1, 5, 15 min) before the run: {info['load_before']}, after: "
        f"{info['load_after']}.",
        "",
        "Data sets (per agreement: 2 plans × 40 actions × 6 milestones × 25 updates):",
        "",
        "| scale | database | agreements | plans | actions | milestones | progress updates | users | meetings | built |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for scale, r in results.items():
        c, m = r["counts"], r["marker"]
        built = f"{m['built_at'][:16]} in {m['build_seconds']} s"
        lines.append(
            f"| {scale} | `{r['database']}` | {c['agreements']} | {c['plans']} | {c['actions']:,} | "
            f"{c['milestones']:,} | {c['updates']:,} | {c['users']} | {c['meetings']} | {built} |"
        )
    lines += [
        "",
        f"Server time in-process (Django test client, DEBUG off), {args.runs} timed runs after "
        "10 warm-up runs (PDF: "
        f"{args.pdf_runs} after 1); SQL queries counted on 3 separate requests; size is the "
        "response body, uncompressed. CPU median is the process's CPU time per request: when "
        "it is close to the median, the machine was not making the request wait.",
        "",
        *table(results),
        "",
    ]
    if any(r.get("throughput") for r in results.values()):
        t = next(r["throughput"] for r in results.values() if r.get("throughput"))
        lines += [
            f"Throughput: gunicorn, 2 sync workers, DEBUG off, {t['tool']} with "
            f"{t['connections']} connections for {args.throughput_seconds} s per view after a "
            "2 s warm-up, on loopback on the same machine, logged in as a reader. The trivial "
            "view is `/helse/` (answers «ok», no database).",
            "",
            *throughput_table(results),
            "",
        ]
    mixed = next((r["mixed_load"] for r in results.values() if r.get("mixed_load")), None)
    if mixed:
        lines += [
            f"Mixed load: gunicorn, 2 sync workers, over HTTP on loopback: {mixed['coordinators']} "
            f"coordinators each save progress {mixed['saves_each']} times (htmx POSTs with the "
            "CSRF token and the milestone's version, each on milestones of their own) while "
            f"{mixed['politicians']} politicians read the dashboard {mixed['reads_each']} times "
            f"each, all at once, with a pause of {mixed['save_pause']:g} s on average before "
            f"each save (filling in the form) and {mixed['read_pause']:g} s before each read "
            "(reading the page); every save makes the agreement's kept pages fresh again, so "
            f"most reads are made fresh. Took {mixed['seconds']:.1f} s; the saves are undone "
            "afterwards. Latency is measured by the client, queueing included.",
            "",
            *mixed_load_table(results),
            "",
        ]
    lines += ["Targets:", "", "| target | verdict | measured |", "|---|---|---|"]
    for target, ok, figure in verdicts(results):
        verdict = "–" if ok is None else ("met" if ok else "**missed**")
        lines.append(f"| {target} | {verdict} | {figure} |")
    if "national" in results:
        lines += [
            "",
            "EXPLAIN (ANALYZE) of every SELECT the dashboard runs, national scale "
            f"(full plans in `{Path(results['national']['explain']['file']).relative_to(ROOT)}`):",
            "",
            *explain_lines(results["national"]),
        ]
    return lines


def write_docs(lines: list[str]) -> None:
    block = "\n".join([BEGIN, *lines, END])
    if DOCS.exists():
        text = DOCS.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, rest = text.split(BEGIN, 1)
            text = head + block + rest.split(END, 1)[1]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
    else:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        text = "# Benchmarks\n\n" + block + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Build the bench data sets and measure the portal (issues #7 and #14)."
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="share of the agreements to build (1 = 10 county, 100 national; 0.1 to try out)",
    )
    parser.add_argument("--only", choices=["county", "national"], help="one scale only")
    parser.add_argument("--rebuild", action="store_true", help="build the data sets again")
    parser.add_argument("--runs", type=int, default=100, help="timed requests per page (100)")
    parser.add_argument("--pdf-runs", type=int, default=5, help="timed PDF renderings (5)")
    parser.add_argument(
        "--throughput-seconds",
        type=int,
        default=15,
        help="seconds of load per view under gunicorn (15; 0 skips the throughput test)",
    )
    parser.add_argument(
        "--mixed-load",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the mixed load of saves and dashboard reads at county scale (on; --no-mixed-load)",
    )
    parser.add_argument(
        "--docs",
        choices=["auto", "yes", "no"],
        default="auto",
        help="write docs/benchmarks.md (auto: only for a full run of both scales)",
    )
    args = parser.parse_args()
    if args.throughput_seconds and not shutil.which("wrk"):
        print(
            "wrk is not installed; using a Python load generator instead, which saturates "
            "sooner. Install wrk for comparable figures: apt-get install wrk"
        )
    info = {"load_before": loadavg(), "machine": machine()}
    started = time.monotonic()
    scales = [args.only] if args.only else ["county", "national"]
    results = {scale: run_scale(scale, args) for scale in scales}
    info["load_after"] = loadavg()
    info["minutes"] = (time.monotonic() - started) / 60
    info["finished"] = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = (
        "make bench" if len(sys.argv) == 1 else "python -m benchmarks.run " + " ".join(sys.argv[1:])
    )
    lines = report(results, info, args, command)
    print()
    print("\n".join(lines))
    (RESULTS / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    full = args.scale == 1 and not args.only
    if args.docs == "yes" or (args.docs == "auto" and full):
        write_docs(lines)
        print(f"\nWritten to {DOCS.relative_to(ROOT)}.")
    else:
        print(f"\n(docs/benchmarks.md not written for a partial run; see {RESULTS / 'report.md'})")


if __name__ == "__main__":
    main()
