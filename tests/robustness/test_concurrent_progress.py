"""Many coordinators log progress on the same milestone at the same moment (PostgreSQL only).

Each of ``THREADS`` threads has its own test client (a coordinator of its own, logged in) and so
its own database connection, and posts through the real view, ``actionplans:progress-log``: half
as the plain form, half as htmx. What must hold, whatever the timing:

- every accepted update is in the milestone's history, and nothing else is (matched by comment,
  each attempt's comment is unique);
- the milestone's status, percent and version are those of the last accepted update, and each
  update's "previous" state is the one before it: no update was overwritten in between;
- every refused save got the conflict answer, listing exactly the updates it had not seen and
  keeping what was typed, with the form moved on to a newer version.

Round 1: everyone saves from the same opened form (the same ``seen_version``); exactly one may
win. Round 2: everyone re-reads the form and saves again until accepted, as a user would. Both
need PostgreSQL's row lock (skipped on SQLite, required with ``CI=true``).

A refused form carries the version of the newest update it shows, so that "Lagre likevel" cannot
pass over one saved while the conflict was being answered; the last test makes that race happen
on purpose, so it runs on any database.
"""

import html
import re
import threading
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from django.urls import reverse

from actionplans.models import Action, ActionPlan, Milestone, ProgressUpdate, Status
from agreements.models import Coordinator, Party, SubGoal

from ._postgres import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 16
MAX_ATTEMPTS = 4 * THREADS  # a thread that cannot get through in this many tries has starved
HTMX = {"HX-Request": "true"}
CONFLICT = "Noen andre har oppdatert milepælen mens du skrev"
STATUSES = [Status.ON_TRACK, Status.AT_RISK, Status.DELAYED]


@pytest.fixture
def postgresql_only():
    require_postgresql("Concurrent saves are serialised by PostgreSQL's row lock.")


@dataclass
class Attempt:
    thread: int
    comment: str
    status: str
    percent: int
    seen_version: int
    htmx: bool
    accepted: bool = False
    form_version: int | None = None  # the version the conflict answer's form carries
    listed: list[tuple[str, str]] | None = None  # (author, comment) the conflict answer shows
    typed: str | None = None  # what the conflict answer's comment field holds


@pytest.fixture
def milestone(agreement) -> Milestone:
    """An open milestone (not started, 0 %, version 0) in a 2025–2026 plan of ``agreement``."""
    plan = ActionPlan.objects.create(
        agreement=agreement, start_year=2025, end_year=2026, status=ActionPlan.PlanStatus.ADOPTED
    )
    action = Action.objects.create(
        plan=plan,
        number="1.1-1",
        title="Felles boligstrategi",
        sub_goal=SubGoal.objects.get(agreement=agreement, code="1.1"),
    )
    return Milestone.objects.create(
        action=action, title="Kartlegge boligbehovet i kommunene", due_date="2026-06-30"
    )


@pytest.fixture
def clients(agreement) -> list[Client]:
    """One logged-in client per thread, each a coordinator of its own («Tråd 00» …)."""
    parties = list(Party.objects.filter(slug__in=["troms-fylkeskommune", "halogalandsradet"]))
    made = []
    for i in range(THREADS):
        user = User.objects.create(
            username=f"trad.{i:02d}", first_name="Tråd", last_name=f"{i:02d}", email=""
        )
        Coordinator.objects.create(
            agreement=agreement,
            user=user,
            party=parties[i % len(parties)],
            role=Coordinator.Role.COORDINATOR,
        )
        client = Client()
        client.force_login(user)
        made.append(client)
    return made


def _text(response) -> str:
    return response.content.decode()


def _hidden_version(body: str) -> int:
    tag = re.search(r'<input[^>]*name="version"[^>]*>', body)
    assert tag, "the form has no hidden version field"
    return int(re.search(r'value="(\d+)"', tag.group()).group(1))


def _post(client: Client, milestone: Milestone, attempt: Attempt) -> Attempt:
    url = reverse("actionplans:progress-log", args=[milestone.pk])
    data = {
        "status": attempt.status,
        "percent": str(attempt.percent),
        "comment": attempt.comment,
        "evidence_url": "",
        "version": str(attempt.seen_version),
        "next": milestone.action.plan.get_absolute_url(),
    }
    response = client.post(url, data, headers=HTMX if attempt.htmx else {})
    body = _text(response)
    if attempt.htmx:
        saved = response.status_code == 200 and "progress-saved" in response.get("HX-Trigger", "")
    else:
        saved = response.status_code == 302
    if saved:
        attempt.accepted = True
        return attempt
    assert response.status_code == 200 and CONFLICT in html.unescape(body), (
        f"thread {attempt.thread}: neither saved nor told of a conflict "
        f"({response.status_code}): {body[:500]}"
    )
    if attempt.htmx:
        assert response["HX-Retarget"] == f"#milepael-{milestone.pk}-skjema"
    listing = re.search(r'<ul class="conflict__updates">(.*?)</ul>', body, re.S)
    assert listing, "the conflict answer lists no updates"
    attempt.listed = [
        (html.unescape(author), html.unescape(comment))
        for author, comment in re.findall(
            r"<strong>(.*?)</strong>.*?<q>(.*?)</q>", listing.group(1), re.S
        )
    ]
    typed = re.search(r'<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>', body, re.S)
    # As a browser reads it: HTML drops the newline right after <textarea> (Django writes one).
    attempt.typed = html.unescape(typed.group(1).removeprefix("\n")) if typed else None
    attempt.form_version = _hidden_version(body)
    return attempt


def _in_threads(work) -> list[list[Attempt]]:
    """Run ``work(i, barrier)`` in THREADS threads; each closes its own connection at the end."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def target(i: int) -> None:
        try:
            results[i] = work(i, barrier)
        except BaseException as exc:  # reported below, in the test's own thread
            results[i] = exc
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    errors = [result for result in results if isinstance(result, BaseException)]
    if errors:
        raise errors[0]
    return results


def _attempt(i: int, n: int, seen_version: int) -> Attempt:
    return Attempt(
        thread=i,
        comment=f"Runde {1 if n < 0 else 2}, tråd {i:02d}, forsøk {max(n, 0)}: «ærlig & ekte»",
        status=STATUSES[(i + max(n, 0)) % len(STATUSES)],
        percent=(7 * i + 3 * max(n, 0) + (0 if n < 0 else 1)) % 100,
        seen_version=seen_version,
        htmx=i % 2 == 1,
    )


def _check_history(milestone: Milestone, attempts: list[Attempt]) -> list[ProgressUpdate]:
    """The history holds exactly the accepted attempts, chained; the milestone shows the last."""
    accepted = {a.comment: a for a in attempts if a.accepted}
    refused = [a for a in attempts if not a.accepted]
    history = list(
        ProgressUpdate.objects.filter(milestone=milestone).select_related("author").order_by("pk")
    )
    comments = [update.comment for update in history]
    assert len(comments) == len(set(comments))
    assert set(comments) == set(accepted), "accepted saves missing, or refused ones stored"
    for update in history:
        sent = accepted[update.comment]
        assert (update.status, update.percent) == (sent.status, sent.percent)
        assert update.author.last_name == f"{sent.thread:02d}"
    # Each update starts from the state the one before it left: none was overwritten between.
    previous = (Status.NOT_STARTED, 0)
    for update in history:
        assert (update.previous_status, update.previous_percent) == previous, update.comment
        previous = (update.status, update.percent)

    milestone.refresh_from_db()
    last = history[-1]
    assert milestone.version == len(history)
    assert milestone.last_update_id == last.pk
    assert (milestone.status, milestone.percent) == (last.status, last.percent)

    # Every refused save was shown exactly the updates it had not seen (newest first), by whom,
    # and kept what was typed; its form now carries a newer version.
    numbered = dict(enumerate(history, start=1))
    for attempt in refused:
        assert attempt.typed == attempt.comment
        assert attempt.listed, f"{attempt.comment}: no update shown"
        newest = attempt.seen_version + len(attempt.listed)
        assert attempt.form_version == newest, (
            f"{attempt.comment}: the form skips updates it did not show"
        )
        expected = [
            (numbered[n].author.get_full_name(), numbered[n].comment)
            for n in range(newest, attempt.seen_version, -1)
        ]
        assert attempt.listed == expected, attempt.comment
    return history


def test_many_saves_at_once_lose_nothing(postgresql_only, milestone, clients):
    # Round 1: all sixteen save from the same opened form at the same moment.
    def round_one(i: int, barrier: threading.Barrier) -> list[Attempt]:
        attempt = _attempt(i, -1, seen_version=0)
        barrier.wait(timeout=60)
        return [_post(clients[i], milestone, attempt)]

    first = [a for result in _in_threads(round_one) for a in result]

    winners = [a for a in first if a.accepted]
    assert len(winners) == 1, f"{len(winners)} saves from the same version were accepted"
    (winner,) = winners
    history = _check_history(milestone, first)
    assert [update.comment for update in history] == [winner.comment]
    for attempt in first:
        if not attempt.accepted:
            assert attempt.form_version == 1

    # Round 2: each re-reads the form and saves again until it gets through.
    url = reverse("actionplans:progress-log", args=[milestone.pk])

    def round_two(i: int, barrier: threading.Barrier) -> list[Attempt]:
        attempts = []
        barrier.wait(timeout=60)
        for n in range(MAX_ATTEMPTS):
            page = clients[i].get(url)
            assert page.status_code == 200
            attempt = _post(clients[i], milestone, _attempt(i, n, _hidden_version(_text(page))))
            attempts.append(attempt)
            if attempt.accepted:
                return attempts
        raise AssertionError(f"thread {i} was refused {MAX_ATTEMPTS} times in a row")

    second = [a for result in _in_threads(round_two) for a in result]

    assert sorted(a.thread for a in second if a.accepted) == list(range(THREADS))
    history = _check_history(milestone, first + second)
    assert len(history) == 1 + THREADS


def test_an_update_saved_while_a_conflict_is_answered_is_not_passed_over(
    milestone, clients, monkeypatch
):
    """A's save conflicts with B's update; before A's answer is rendered, C saves too. A's form
    must carry the version of what it shows (B's), so that saving again conflicts with C's
    update instead of silently passing over it. (Deterministic, so it runs on SQLite too.)"""
    from actionplans import services, views

    a, b, c = clients[:3]
    c_user = User.objects.get(username="trad.02")
    assert _post(b, milestone, _attempt(1, -1, seen_version=0)).accepted

    real = views.get_for_user
    calls = []

    def c_saves_just_before_the_answer(request, source, pk, **kwargs):
        calls.append(pk)
        if len(calls) == 2:  # the view re-reads the milestone to answer the conflict
            services.progress_log(
                milestone=Milestone.objects.get(pk=pk),
                user=c_user,
                status=Status.DELAYED,
                percent=5,
                comment="C lagret mens A fikk svar.",
                seen_version=1,
            )
        return real(request, source, pk, **kwargs)

    monkeypatch.setattr(views, "get_for_user", c_saves_just_before_the_answer)
    first = _post(a, milestone, _attempt(0, -1, seen_version=0))
    monkeypatch.setattr(views, "get_for_user", real)

    assert not first.accepted
    assert first.listed == [("Tråd 01", _attempt(1, -1, 0).comment)]
    assert first.form_version == 1  # what it showed, not version 2 (C's)

    again = _post(a, milestone, _attempt(0, 0, seen_version=first.form_version))
    assert not again.accepted
    assert again.listed == [("Tråd 02", "C lagret mens A fikk svar.")]
    assert again.form_version == 2

    last = _post(a, milestone, _attempt(0, 1, seen_version=again.form_version))
    assert last.accepted
    assert [
        u.comment for u in ProgressUpdate.objects.filter(milestone=milestone).order_by("pk")
    ] == [
        _attempt(1, -1, 0).comment,
        "C lagret mens A fikk svar.",
        last.comment,
    ]
