"""Runs inside one bench database (``DATABASE_URL`` set by ``benchmarks.run``): builds the data
set if asked, then measures and writes the figures as JSON.

    python -m benchmarks.measure --agreements 10 --build --out result.json

Server time is measured in-process with Django's test client (the full middleware stack, the
view, the template), the SQL queries with ``CaptureQueriesContext`` on separate requests (so that
recording them does not add to the timings), the size as the response body's bytes. Throughput
is measured against gunicorn (2 workers) with ``wrk`` on loopback.
"""

import argparse
import concurrent.futures
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tromsvekst.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from actionplans.models import CLOSED_STATUSES, ActionPlan, Milestone, Status  # noqa: E402
from agreements.models import Agreement  # noqa: E402
from benchmarks.build import REAL_SLUG, build, mixed_load_usernames, read_marker  # noqa: E402
from benchmarks.shape import Shape, marker_matches  # noqa: E402
from evaluation.models import Evaluation  # noqa: E402

READER = "bench.politiker.000"
COORDINATOR = "bench.koord.000"
# Search (issue #16): the county's coordinator for the first five agreements, and an
# administrator (every agreement), looking for a word in thousands of progress comments.
COUNTY_COORDINATOR = "bench.fylke.00"
SEARCH_ADMIN = "bench.admin"
SEARCH_WORDS = "finansieringen"
WATCHED_TABLES = ("actionplans_milestone", "actionplans_progressupdate")


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p95 of 100 samples is the 95th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def summary(times: list[float], cpu: list[float], queries: list[int], sizes: list[int]) -> dict:
    return {
        "n": len(times),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "max_ms": max(times) * 1000,
        "cpu_median_ms": statistics.median(cpu) * 1000,
        "queries": sorted(set(queries)),
        "bytes": statistics.median(sizes),
    }


def logged_in(username: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(
        User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
    )
    return client


def measure_get(
    client: Client,
    url: str,
    runs: int,
    warmup: int,
    expect: bytes = b"",
    headers: dict[str, str] | None = None,
) -> dict:
    """Time ``runs`` GETs after ``warmup`` ones; count queries on three more."""
    headers = headers or {}
    for _ in range(warmup):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        assert expect in response.content, (url, expect)
    times, cpu, sizes = [], [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        assert response.status_code == 200, (url, response.status_code)
        sizes.append(len(response.content))
    queries = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, headers=headers).status_code == 200
        queries.append(len(captured))
    return summary(times, cpu, queries, sizes)


# --- The inline progress POST -------------------------------------------------------------------


def _milestone_state(plan: ActionPlan) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, m.status, m.percent, m.completed_on, m.version, m.last_update_id "
            "FROM actionplans_milestone m JOIN actionplans_action a ON a.id = m.action_id "
            "WHERE a.plan_id = %s",
            [plan.pk],
        )
        return cursor.fetchall()


def _restore(plan: ActionPlan, state: list[tuple], first_new_update: int) -> int:
    """Put the plan's milestones back as they were and remove the updates the benchmark added,
    so that the data set stays as built however often the benchmark runs."""
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE actionplans_milestone SET status = %s, percent = %s, completed_on = %s, "
            "version = %s, last_update_id = %s WHERE id = %s",
            [(s, p, c, v, lu, pk) for pk, s, p, c, v, lu in state],
        )
        cursor.execute("DELETE FROM actionplans_progressupdate WHERE id >= %s", [first_new_update])
        return cursor.rowcount


def measure_progress_post(plan: ActionPlan, runs: int, warmup: int) -> dict:
    """Real htmx POSTs as a coordinator, each with the milestone's current version (so each
    is accepted and stored), cycling through the plan's open milestones."""
    client = logged_in(COORDINATOR, csrf=True)
    plan_url = plan.get_absolute_url()
    assert client.get(plan_url).status_code == 200
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    headers = {"HX-Request": "true", "HX-Current-URL": plan_url, "X-CSRFToken": token}
    milestones = list(
        Milestone.objects.in_plan(plan).exclude(status__in=CLOSED_STATUSES).order_by("pk")
    )
    state = _milestone_state(plan)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM actionplans_progressupdate")
        first_new_update = cursor.fetchone()[0]
    times, cpu, sizes, queries = [], [], [], []
    try:
        for i in range(warmup + runs + 3):
            milestone = milestones[i % len(milestones)]
            version = Milestone.objects.values_list("version", flat=True).get(pk=milestone.pk)
            data = {
                "status": Status.AT_RISK if i % 4 == 0 else Status.ON_TRACK,
                "percent": str(min(99, milestone.percent + 1 + i // len(milestones))),
                "comment": "Benk: kommunene har levert tallene, men det gjenstår å samle dem.",
                "evidence_url": "",
                "version": str(version),
                "next": plan_url,
            }
            url = reverse("actionplans:progress-log", args=[milestone.pk])
            captured = None
            start, cpu_start = time.perf_counter(), time.process_time()
            if i >= warmup + runs:
                with CaptureQueriesContext(connection) as captured:
                    response = client.post(url, data, headers=headers)
            else:
                response = client.post(url, data, headers=headers)
            elapsed, cpu_used = time.perf_counter() - start, time.process_time() - cpu_start
            assert response.status_code == 200, response.status_code
            assert b"milestone-row-saved" in response.content or b"hx-swap-oob" in response.content
            assert response.headers.get("HX-Trigger", "").find("progress-saved") >= 0
            if captured is not None:
                queries.append(len(captured))
            elif i >= warmup:
                times.append(elapsed)
                cpu.append(cpu_used)
                sizes.append(len(response.content))
        stored = Milestone.objects.get(pk=milestones[0].pk).updates.filter(pk__gte=first_new_update)
        assert stored.exists(), "the POSTs were not stored"
    finally:
        removed = _restore(plan, state, first_new_update)
    result = summary(times, cpu, queries, sizes)
    result["stored_and_removed"] = removed
    return result


# --- EXPLAIN ------------------------------------------------------------------------------------


def _walk(node: dict, out: list) -> None:
    out.append(node)
    for child in node.get("Plans", []):
        _walk(child, out)


def explain_queries(client: Client, url: str, explain_file: Path) -> dict:
    """EXPLAIN (ANALYZE) every SELECT the page runs; list each scan of each table."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    queries, text_plans = [], []
    with connection.cursor() as cursor:
        for number, query in enumerate(captured.captured_queries, start=1):
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            nodes: list = []
            _walk(plan[0]["Plan"], nodes)
            scans = [
                {
                    "node": n["Node Type"],
                    "table": n.get("Relation Name"),
                    "index": n.get("Index Name"),
                    "rows": n.get("Actual Rows"),
                    "loops": n.get("Actual Loops"),
                }
                for n in nodes
                if "Relation Name" in n
            ]
            queries.append(
                {
                    "number": number,
                    "sql": sql[:160],
                    "execution_ms": plan[0].get("Execution Time"),
                    "scans": scans,
                    "seq_scans_watched": [
                        s["table"]
                        for s in scans
                        if s["node"] == "Seq Scan" and s["table"] in WATCHED_TABLES
                    ],
                }
            )
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            text_plans.append(
                f"-- query {number}\n{sql}\n" + "\n".join(row[0] for row in cursor.fetchall())
            )
    explain_file.parent.mkdir(parents=True, exist_ok=True)
    explain_file.write_text("\n\n".join(text_plans) + "\n", encoding="utf-8")
    return {
        "queries": queries,
        "selects": len(queries),
        "seq_scans_watched": sorted({t for q in queries for t in q["seq_scans_watched"]}),
        "seq_scans_all": sorted(
            {s["table"] for q in queries for s in q["scans"] if s["node"] == "Seq Scan"}
        ),
        "file": str(explain_file),
    }


# --- Throughput under gunicorn --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_cookie(username: str) -> str:
    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _fetch(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, response.read()


def _wrk(url: str, cookie: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            "--threads",
            "2",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "--header",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = {"tool": "wrk", "raw": out}
    for line in out.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["rps"] = float(parts[1])
        elif "requests in" in line:
            result["requests"] = int(parts[0])
        elif line.startswith("Non-2xx or 3xx responses:"):
            result["non_2xx"] = int(parts[-1])
        elif line.strip().startswith("Socket errors:"):
            result["socket_errors"] = line.strip()
        elif parts and parts[0] in ("50%", "99%"):
            result[f"latency_{parts[0][:-1]}"] = parts[1]
    result.setdefault("non_2xx", 0)
    return result


def _python_load(url: str, cookie: str, seconds: int, connections: int) -> dict:
    """A fallback when wrk is missing: ``connections`` processes, each a keep-alive client."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [
        ctx.Process(target=_python_worker, args=(url, cookie, seconds, queue))
        for _ in range(connections)
    ]
    for p in procs:
        p.start()
    done = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    requests = sum(d[0] for d in done)
    return {
        "tool": "python",
        "rps": requests / seconds,
        "requests": requests,
        "non_2xx": sum(d[1] for d in done),
    }


def _python_worker(url: str, cookie: str, seconds: int, queue) -> None:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    ok = bad = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn.request("GET", parts.path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            bad += 1
            continue
        if 200 <= response.status < 400:
            ok += 1
        else:
            bad += 1
    queue.put((ok, bad))


@contextlib.contextmanager
def gunicorn(cookie: str) -> Iterator[str]:
    """gunicorn with 2 sync workers on this bench database, in its own process group (stopped
    with its workers on the way out, also when the measuring fails); yields its base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    executable = Path(sys.executable).with_name("gunicorn")
    log = Path(settings.BASE_DIR) / "var" / "bench" / "gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as log_file:
        server = subprocess.Popen(  # noqa: S603
            [
                str(executable),
                "tromsvekst.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
                "--access-logformat",
                "%(p)s %(m)s %(U)s %(s)s %(M)sms",  # worker, method, path, status, duration
            ],
            cwd=settings.BASE_DIR,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that it is stopped with its workers
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _fetch(base + reverse("health"), cookie)[0] == 200:
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def measure_throughput(dashboard_path: str, seconds: int, connections: int) -> dict:
    """Start gunicorn with 2 workers on this bench database and drive the trivial view and the
    dashboard with the same load generator, one after the other."""
    cookie = _session_cookie(READER)
    with gunicorn(cookie) as base:
        status, body = _fetch(base + dashboard_path, cookie)
        if status != 200 or b"Siden forrige m" not in body:
            raise RuntimeError(f"the dashboard under gunicorn answered {status}, not the page")
        use_wrk = shutil.which("wrk") is not None
        load = _wrk if use_wrk else _python_load
        out = {"tool": "wrk" if use_wrk else "python", "connections": connections}
        for name, path in (("trivial", reverse("health")), ("dashboard", dashboard_path)):
            load(base + path, cookie, 2, connections)  # warm-up: both workers, caches, connections
            out[name] = load(base + path, cookie, seconds, connections)
            out[name]["path"] = path
            if out[name]["non_2xx"]:
                raise RuntimeError(f"{path}: {out[name]['non_2xx']} responses were not 2xx/3xx")
        out["ratio"] = out["dashboard"]["rps"] / out["trivial"]["rps"]
        return out


# --- The mixed load -------------------------------------------------------------------------------

MIXED_SAVES = 10  # per coordinator
MIXED_READS = 40  # per politician
# The pauses between one person's requests, on average (each drawn from half to one and a half
# times this, seeded, so that the people do not move in step): a coordinator fills in the form
# before saving again, a politician reads the page before opening it again. Without pauses, 20
# people on 2 workers measure the queue in front of the workers, not the pages.
MIXED_SAVE_PAUSE = 1.0
MIXED_READ_PAUSE = 0.5


def _pause(rng: random.Random, mean: float) -> None:
    time.sleep(rng.uniform(mean / 2, mean * 3 / 2))


class _Browser:
    """One person's browser: a keep-alive connection (gunicorn's sync workers close it after
    each answer, and http.client opens it again), the session cookie and the CSRF cookie."""

    def __init__(self, base: str, session_cookie: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.cookies = dict([session_cookie.split("=", 1)])
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(
        self, method: str, path: str, headers: dict | None = None, body: str | None = None
    ) -> tuple[int, dict, bytes, float]:
        """(status, headers, body, seconds) of one request, or status 0 when it failed."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        all_headers = {"Cookie": cookie, **(headers or {})}
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
            return 0, {"error": repr(exc)}, b"", time.perf_counter() - start
        elapsed = time.perf_counter() - start
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                self.cookies[name] = rest.split(";", 1)[0]
        if response.will_close:
            self.conn.close()
        return response.status, dict(response.getheaders()), content, elapsed


def _coordinator(
    base: str, cookie: str, plan_url: str, work: list[list[int]], barrier: threading.Barrier
) -> dict:
    """Open the plan page (for the CSRF cookie), then save progress MIXED_SAVES times on the
    milestones in ``work`` ([pk, version] each, this coordinator's alone), as the row editor
    does: an htmx POST with the CSRF token and the version the form was opened at."""
    browser = _Browser(base, cookie)
    rng = random.Random(f"save {cookie}")  # noqa: S311 (pauses, not secrets)
    status, _, _, _ = browser.request("GET", plan_url)
    token = browser.cookies.get(settings.CSRF_COOKIE_NAME, "")
    times, errors = [], []
    if status != 200 or not token:
        errors.append(f"plan page: {status}, CSRF cookie {'set' if token else 'missing'}")
    barrier.wait()
    for i in range(MIXED_SAVES):
        _pause(rng, MIXED_SAVE_PAUSE)
        item = work[i % len(work)]
        pk, version = item
        body = urlencode(
            {
                "status": Status.AT_RISK if i % 4 == 0 else Status.ON_TRACK,
                "percent": str(min(99, 10 + i)),
                "comment": "Benk (blandet last): kommunene har levert tallene.",
                "evidence_url": "",
                "version": str(version),
                "next": plan_url,
            }
        )
        status, headers, content, elapsed = browser.request(
            "POST",
            reverse("actionplans:progress-log", args=[pk]),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
                "HX-Current-URL": plan_url,
                "X-CSRFToken": token,
            },
            body=body,
        )
        times.append(elapsed)
        saved = status == 200 and "progress-saved" in headers.get("HX-Trigger", "")
        if saved:
            item[1] = version + 1
        else:
            errors.append(f"POST {pk}: {status} {headers.get('error', '')}".strip())
    return {"times": times, "errors": errors}


def _politician(base: str, cookie: str, path: str, barrier: threading.Barrier) -> dict:
    browser = _Browser(base, cookie)
    rng = random.Random(f"read {cookie}")  # noqa: S311 (pauses, not secrets)
    barrier.wait()
    times, errors = [], []
    for _ in range(MIXED_READS):
        _pause(rng, MIXED_READ_PAUSE)
        status, _, content, elapsed = browser.request("GET", path)
        times.append(elapsed)
        if status != 200 or b"Siden forrige m" not in content:
            errors.append(f"GET {path}: {status}")
    return {"times": times, "errors": errors}


def _latencies(times: list[float]) -> dict:
    return {
        "n": len(times),
        "p50_ms": statistics.median(times) * 1000 if times else 0.0,
        "p95_ms": percentile(times, 0.95) * 1000 if times else 0.0,
        "max_ms": max(times) * 1000 if times else 0.0,
    }


def measure_mixed_load(plan: ActionPlan, dashboard_path: str) -> dict:
    """Over HTTP against gunicorn (2 workers): ten coordinators each save progress
    MIXED_SAVES times on the plan's open milestones while ten politicians read the dashboard
    MIXED_READS times each, all at once. Every save makes the agreement's kept pages fresh
    again, so most dashboard reads are made fresh. The saves are undone afterwards."""
    coordinators = mixed_load_usernames("coordinator")
    politicians = mixed_load_usernames("reader")
    open_milestones = list(
        Milestone.objects.in_plan(plan)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("pk")
        .values_list("pk", "version")
    )
    # Each coordinator works on milestones of their own, so that no save conflicts with another.
    work = [
        [list(item) for item in open_milestones[i :: len(coordinators)]]
        for i in range(len(coordinators))
    ]
    state = _milestone_state(plan)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM actionplans_progressupdate")
        first_new_update = cursor.fetchone()[0]
    cookies = {name: _session_cookie(name) for name in coordinators + politicians}
    plan_url = plan.get_absolute_url()
    barrier = threading.Barrier(len(coordinators) + len(politicians))
    try:
        with gunicorn(cookies[politicians[0]]) as base:
            for name in politicians[:2]:  # both workers have loaded the code
                _fetch(base + dashboard_path, cookies[name])
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(barrier.parties) as pool:
                saves = [
                    pool.submit(_coordinator, base, cookies[name], plan_url, work[i], barrier)
                    for i, name in enumerate(coordinators)
                ]
                reads = [
                    pool.submit(_politician, base, cookies[name], dashboard_path, barrier)
                    for name in politicians
                ]
                save_results = [f.result() for f in saves]
                read_results = [f.result() for f in reads]
            seconds = time.perf_counter() - started
    finally:
        removed = _restore(plan, state, first_new_update)
    read_errors = [e for r in read_results for e in r["errors"]]
    save_errors = [e for r in save_results for e in r["errors"]]
    return {
        "coordinators": len(coordinators),
        "politicians": len(politicians),
        "saves_each": MIXED_SAVES,
        "reads_each": MIXED_READS,
        "save_pause": MIXED_SAVE_PAUSE,
        "read_pause": MIXED_READ_PAUSE,
        "seconds": seconds,
        "dashboard": _latencies([t for r in read_results for t in r["times"]])
        | {"errors": len(read_errors)},
        "saves": _latencies([t for r in save_results for t in r["times"]])
        | {"errors": len(save_errors)},
        "error_examples": (read_errors + save_errors)[:5],
        "stored_and_removed": removed,
    }


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, required=True)
    parser.add_argument("--build", action="store_true", help="build the data set first")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--pdf-runs", type=int, default=5)
    parser.add_argument("--throughput-seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--mixed-load", action="store_true", help="also the mixed load of saves and reads"
    )
    parser.add_argument(
        "--only-mixed-load", action="store_true", help="the mixed load and nothing else"
    )
    parser.add_argument("--label", default="bench")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    shape = Shape(agreements=args.agreements)
    result: dict = {"label": args.label}

    call_command("migrate", verbosity=0)
    if args.build:
        print(f"[{args.label}] building: {shape.milestones} milestones, {shape.updates} updates")
        result["build"] = build(shape, log=lambda line: print(f"[{args.label}]{line}"))
    marker = read_marker()
    if not marker_matches(marker, shape):
        raise SystemExit(f"[{args.label}] the database does not hold the expected data set")
    result["marker"] = marker
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM agreements_agreement), "
            "(SELECT count(*) FROM actionplans_actionplan), "
            "(SELECT count(*) FROM actionplans_action), "
            "(SELECT count(*) FROM actionplans_milestone), "
            "(SELECT count(*) FROM actionplans_progressupdate), "
            "(SELECT count(*) FROM auth_user), (SELECT count(*) FROM agreements_meeting)"
        )
        keys = ["agreements", "plans", "actions", "milestones", "updates", "users", "meetings"]
        result["counts"] = dict(zip(keys, cursor.fetchone(), strict=True))

    agreement = Agreement.objects.get(slug=REAL_SLUG)
    plan = ActionPlan.objects.get(agreement=agreement, start_year=2025)
    evaluation = Evaluation.objects.get(agreement=agreement, kind=Evaluation.Kind.MID_TERM)
    dashboard_url = reverse("actionplans:dashboard", args=[agreement.slug])
    reader = logged_in(READER)
    coordinator = logged_in(COORDINATOR)
    tag = f"[{args.label}]"
    if args.only_mixed_load:
        print(tag, "mixed load under gunicorn: saves and dashboard reads at once …", flush=True)
        result["mixed_load"] = measure_mixed_load(plan, dashboard_url)
        args.out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
        return

    print(tag, "dashboard …", flush=True)
    result["dashboard"] = measure_get(
        reader, dashboard_url, args.runs, args.warmup, expect=b"Siden forrige m"
    )
    print(tag, "action plan page …", flush=True)
    # At county scale the plan page shows each action's roll-up, and its rows on demand.
    plan_expect = b'class="plan-action"'
    result["plan_page"] = measure_get(
        coordinator, plan.get_absolute_url(), args.runs, args.warmup, expect=plan_expect
    )
    # The same two pages made fresh on every request, as after each change to the agreement's
    # data (tromsvekst/lib/pagecache.py keeps them between changes).
    with override_settings(PAGE_CACHE_SECONDS=0):
        print(tag, "dashboard, made fresh each time …", flush=True)
        result["dashboard_fresh"] = measure_get(
            reader, dashboard_url, args.runs, args.warmup, expect=b"Siden forrige m"
        )
        print(tag, "action plan page, made fresh each time …", flush=True)
        result["plan_page_fresh"] = measure_get(
            coordinator, plan.get_absolute_url(), args.runs, args.warmup, expect=plan_expect
        )
        print(tag, "one action's milestones on demand …", flush=True)
        first_action = plan.actions.order_by("order", "number").first()
        assert first_action is not None
        result["plan_action_rows"] = measure_get(
            coordinator,
            f"{plan.get_absolute_url()}?action={first_action.pk}",
            args.runs,
            args.warmup,
            expect=b"milepael-",
            headers={"HX-Request": "true"},
        )
    print(tag, "search …", flush=True)
    search_url = f"{reverse('evaluation:search')}?{urlencode({'q': SEARCH_WORDS})}"
    result["search"] = measure_get(
        logged_in(COUNTY_COORDINATOR), search_url, args.runs, args.warmup, expect=b"search-hit"
    )
    User.objects.update_or_create(
        username=SEARCH_ADMIN, defaults={"is_superuser": True, "is_staff": True}
    )
    result["search_admin"] = measure_get(
        logged_in(SEARCH_ADMIN), search_url, args.runs, args.warmup, expect=b"search-hit"
    )
    print(tag, "inline progress POST …", flush=True)
    result["progress_post"] = measure_progress_post(plan, args.runs, args.warmup)
    print(tag, "evaluation PDF …", flush=True)
    result["evaluation_pdf"] = measure_get(
        reader,
        reverse("evaluation:evaluation-pdf", args=[evaluation.pk]),
        args.pdf_runs,
        1,
        expect=b"%PDF-",
    )
    print(tag, "EXPLAIN of the dashboard's queries …", flush=True)
    explain_file = Path(settings.BASE_DIR) / "var" / "bench" / f"explain-{args.label}.txt"
    with override_settings(PAGE_CACHE_SECONDS=0):  # the queries of a fresh dashboard
        result["explain"] = explain_queries(reader, dashboard_url, explain_file)
    if args.mixed_load:
        print(tag, "mixed load under gunicorn: saves and dashboard reads at once …", flush=True)
        result["mixed_load"] = measure_mixed_load(plan, dashboard_url)
    if args.throughput_seconds > 0:
        print(tag, "throughput under gunicorn …", flush=True)
        result["throughput"] = measure_throughput(
            dashboard_url, args.throughput_seconds, args.connections
        )
    args.out.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
