"""Search across the portal (issue #16): agreement texts, actions, milestones, progress comments,
meetings and their minutes, agenda items, decisions, follow-up tasks and evaluations.

It lives in the evaluation app because that is the one app that may see all three (the layering
of tests/test_layering.py: evaluation → actionplans → agreements).

``search(user, text)`` returns the best hits the person may read, ranked, each with an excerpt in
which the words found are marked:

- Who reads what is the agreements' rule (``agreements.rules``): the texts of an agreement for
  whoever may read the agreement (``can_view_agreement``: a public agreement for everyone signed
  in), everything else only for people with a role in the agreement and administrators
  (``can_view_internal``). Every source is filtered by the agreements so allowed, along the same
  path to the agreement the audit log and ``get_for_user`` use.
- On PostgreSQL: full-text search with the «norwegian» configuration (so «boligene» finds
  «bolig»), ``websearch_to_tsquery`` (any text is a valid query: quotes for phrases, «-» to
  leave a word out), ranked by ``ts_rank`` and highlighted by ``ts_headline``. The large tables
  (progress updates, milestones, actions) have GIN indexes on the very expression searched
  (migration actionplans 0006). At most ``CANDIDATES`` of the newest matches of each of them are
  ranked, so a very common word costs little more than a rare one.
- On other databases (SQLite in development and most tests): every word must occur in one of
  the fields (case-insensitive), the rank is the number of occurrences, and the excerpt is cut
  around the first of them. Same interface, same permissions.

The excerpt is user text and stays inert: the database marks the words found with two private-use
characters (``START``, ``STOP``), the text is escaped, and only then are the markers turned into
``<mark>`` elements, always balanced (``marked``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection, models
from django.db.models import F, Q, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from actionplans.models import Action, Milestone, ProgressUpdate
from agreements import rules
from agreements.models import (
    AgendaItem,
    Agreement,
    CentralTheme,
    Decision,
    FocusArea,
    FollowUpTask,
    LongTermEffect,
    Meeting,
    Strategy,
    SubGoal,
)
from evaluation.models import Evaluation, Recommendation, SubGoalAssessment
from tromsvekst.audit.capture import agreement_lookup
from tromsvekst.lib.queries import AmongIds, KeptSQL, Shape

CONFIG = "norwegian"
START, STOP = "\ue000", "\ue001"  # the markers around a word found, before escaping
MAX_QUERY_CHARS = 200
MAX_WORDS = 8  # the fallback's words
PER_SOURCE = 20  # hits kept from each source
MAX_RESULTS = 50  # hits shown
CANDIDATES = 200  # the newest matches of a large source that are ranked (PostgreSQL)
EXCERPT_CHARS = 240  # the fallback's excerpt


@dataclass(frozen=True)
class Source:
    """One kind of text that can be found, and how a hit is shown."""

    key: str
    label: Any  # a lazy Norwegian label: «Milepæl», «Vedtak» …
    model: type[models.Model]
    fields: tuple[str, ...]
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    related: tuple[str, ...] = ()
    public_text: bool = False  # part of the agreement's text: readable where the agreement is
    large: bool = False  # thousands of rows at county scale: rank only the newest matches


def _agreement_url(agreement: Agreement, anchor: str = "") -> str:
    return agreement.get_absolute_url() + anchor


def _meeting_url(meeting_id: int, anchor: str = "") -> str:
    return reverse("agreements:meeting-detail", args=[meeting_id]) + anchor


def _evaluation_url(evaluation_id: int) -> str:
    return reverse("evaluation:evaluation-detail", args=[evaluation_id])


def _evaluation_title(evaluation: Evaluation) -> str:
    return f"{evaluation.get_kind_display()} {evaluation.year}"


SOURCES: tuple[Source, ...] = (
    Source(
        "agreement",
        _("Avtaletekst"),
        Agreement,
        (
            "title",
            "overall_goal",
            "introduction",
            "knowledge_basis",
            "focus_areas_intro",
            "collaboration_structure",
            "central_themes_intro",
            "administrative_follow_up",
            "long_term_effects_intro",
            "evaluation_text",
            "process_intro",
        ),
        title=lambda a: a.title,
        url=lambda a: a.get_absolute_url(),
        public_text=True,
    ),
    Source(
        "focus_area",
        _("Innsatsområde"),
        FocusArea,
        ("title",),
        title=lambda f: f"{f.number}. {f.title}",
        url=lambda f: _agreement_url(f.agreement, f"#innsatsomrade-{f.number}"),
        related=("agreement",),
        public_text=True,
    ),
    Source(
        "sub_goal",
        _("Delmål"),
        SubGoal,
        ("text",),
        title=lambda g: str(_("Delmål %(code)s") % {"code": g.code}),
        url=lambda g: _agreement_url(g.agreement, f"#delmal-{g.code}"),
        related=("agreement",),
        public_text=True,
    ),
    Source(
        "strategy",
        _("Strategi"),
        Strategy,
        ("text",),
        title=lambda s: str(_("Strategi under delmål %(code)s") % {"code": s.sub_goal.code}),
        url=lambda s: _agreement_url(s.sub_goal.agreement, f"#delmal-{s.sub_goal.code}"),
        related=("sub_goal__agreement",),
        public_text=True,
    ),
    Source(
        "central_theme",
        _("Sentralt tema"),
        CentralTheme,
        ("text",),
        title=lambda t: str(_("Sentralt tema")),
        url=lambda t: _agreement_url(t.agreement, "#oppfolging"),
        related=("agreement",),
        public_text=True,
    ),
    Source(
        "long_term_effect",
        _("Langsiktig effekt"),
        LongTermEffect,
        ("text",),
        title=lambda t: str(_("Langsiktig effekt")),
        url=lambda t: _agreement_url(t.agreement, "#effekter"),
        related=("agreement",),
        public_text=True,
    ),
    Source(
        "action",
        _("Tiltak"),
        Action,
        ("number", "title", "description", "partners"),
        title=lambda a: f"{a.number} {a.title}",
        url=lambda a: a.get_absolute_url(),
        large=True,
    ),
    Source(
        "milestone",
        _("Milepæl"),
        Milestone,
        ("title", "description"),
        title=lambda m: m.title,
        url=lambda m: m.get_absolute_url(),
        large=True,
    ),
    Source(
        "progress",
        _("Statuskommentar"),
        ProgressUpdate,
        ("comment",),
        title=lambda u: u.milestone.title,
        url=lambda u: reverse("actionplans:milestone-detail", args=[u.milestone_id]),
        related=("milestone",),
        large=True,
    ),
    Source(
        "meeting",
        _("Møte og referat"),
        Meeting,
        ("title", "minutes"),
        title=lambda m: m.title,
        url=lambda m: _meeting_url(m.pk),
    ),
    Source(
        "agenda_item",
        _("Sak"),
        AgendaItem,
        ("title", "description"),
        title=lambda i: str(
            _("Sak %(number)s: %(title)s") % {"number": i.number, "title": i.title}
        ),
        url=lambda i: _meeting_url(i.meeting_id, f"#sak-{i.pk}"),
    ),
    Source(
        "decision",
        _("Vedtak"),
        Decision,
        ("text",),
        title=lambda d: str(
            _("Vedtak i sak %(number)s: %(title)s")
            % {"number": d.agenda_item.number, "title": d.agenda_item.title}
        ),
        url=lambda d: _meeting_url(d.agenda_item.meeting_id, f"#vedtak-{d.pk}"),
        related=("agenda_item",),
    ),
    Source(
        "task",
        _("Oppfølgingsoppgave"),
        FollowUpTask,
        ("title",),
        title=lambda t: t.title,
        url=lambda t: _meeting_url(t.decision.agenda_item.meeting_id, f"#oppgave-{t.pk}"),
        related=("decision__agenda_item",),
    ),
    Source(
        "evaluation",
        _("Evaluering"),
        Evaluation,
        ("summary", "conclusions"),
        title=_evaluation_title,
        url=lambda e: _evaluation_url(e.pk),
    ),
    Source(
        "assessment",
        _("Vurdering av delmål"),
        SubGoalAssessment,
        ("narrative", "evidence"),
        title=lambda a: str(
            _("%(evaluation)s: delmål %(code)s")
            % {"evaluation": _evaluation_title(a.evaluation), "code": a.sub_goal.code}
        ),
        url=lambda a: _evaluation_url(a.evaluation_id),
        related=("evaluation", "sub_goal"),
    ),
    Source(
        "recommendation",
        _("Anbefaling"),
        Recommendation,
        ("text",),
        title=lambda r: str(
            _("Anbefaling i %(evaluation)s") % {"evaluation": _evaluation_title(r.evaluation)}
        ),
        url=lambda r: _evaluation_url(r.evaluation_id),
        related=("evaluation",),
    ),
)


@dataclass(frozen=True)
class Hit:
    kind: str  # the source's label
    title: str
    url: str
    agreement: str  # the agreement's short title
    excerpt: SafeString  # escaped text, the words found in <mark>
    rank: float


@dataclass(frozen=True)
class Results:
    query: str
    hits: list[Hit]
    truncated: bool  # more hits than shown


# --- Permissions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Readable:
    """The agreements (pks) whose texts, and whose internal records, a person may read."""

    texts: list[int]
    internal: list[int]
    everything: bool = False  # an administrator: no filter needed
    names: dict[int, str] = field(default_factory=dict)  # each readable agreement's short title


def readable(user: User | AnonymousUser) -> Readable:
    if not user.is_authenticated or not user.is_active:
        return Readable([], [])
    agreements = list(Agreement.objects.only("pk", "is_public", "short_title", "title"))
    texts = [a for a in agreements if rules.can_view_agreement(user, a)]
    return Readable(
        texts=[a.pk for a in texts],
        internal=[a.pk for a in agreements if rules.can_view_internal(user, a)],
        everything=rules.is_admin(user),
        names={a.pk: a.short_title or a.title for a in texts},
    )


def _agreement_path(model: type[models.Model]) -> str:
    path = agreement_lookup(model)
    assert path is not None, f"{model._meta.label} belongs to no agreement"
    return path


def _readable_rows(source: Source, allowed: Readable) -> models.QuerySet[Any]:
    """The rows of ``source`` in the agreements ``allowed`` (all of them for administrators)."""
    queryset: models.QuerySet[Any] = source.model._default_manager.all()
    if not allowed.everything:
        ids = allowed.texts if source.public_text else allowed.internal
        # The ids as one parameter: the SQL is then the same for everyone (_UNION).
        queryset = queryset.filter(AmongIds(_agreement_path(source.model), ids))
    return queryset


def _scoped(source: Source, allowed: Readable) -> models.QuerySet[Any]:
    """The same, each with the pk of its agreement (``_agreement_id``)."""
    path = _agreement_path(source.model)
    scoped: models.QuerySet[Any] = _readable_rows(source, allowed).annotate(_agreement_id=F(path))
    return scoped


# --- Highlighting -------------------------------------------------------------------------------


def marked(text: str) -> SafeString:
    """``text`` escaped, with each START…STOP stretch in ``<mark>``; a stray marker (say, one the
    text itself contained) only opens or closes a mark where that keeps them balanced."""
    out: list[str] = []
    open_mark = False
    for piece in re.split(f"([{START}{STOP}])", text):
        if piece == START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif piece == STOP:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(escape(piece))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308  # every piece of text is escaped above


def _plain_excerpt(text: str, words: list[str]) -> str:
    """Around the first word found: at most EXCERPT_CHARS characters, the words in markers."""
    lowered = text.casefold()
    positions = [lowered.find(w) for w in words if lowered.find(w) >= 0]
    first = min(positions) if positions else 0
    begin = max(0, first - EXCERPT_CHARS // 3)
    piece = text[begin : begin + EXCERPT_CHARS]
    piece = piece.replace(START, "").replace(STOP, "")
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    piece = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", piece)
    return ("…" if begin else "") + piece + ("…" if begin + EXCERPT_CHARS < len(text) else "")


# --- Searching ----------------------------------------------------------------------------------


def _document(fields: Iterable[str]) -> Concat | F:
    names = list(fields)
    if len(names) == 1:
        return F(names[0])
    parts: list[Any] = []
    for name in names:
        if parts:
            parts.append(Value(" "))
        parts.append(F(name))
    return Concat(*parts, output_field=models.TextField())


def _weighted(fields: tuple[str, ...]) -> SearchVector | CombinedExpression:
    """For ranking only (the index is on the plain vector): the first field (a title, a number)
    weighs more than the rest."""
    first = SearchVector(fields[0], config=CONFIG, weight="A")
    if len(fields) == 1:
        return first
    return first + SearchVector(*fields[1:], config=CONFIG, weight="B")


def _postgres_part(source: Source, index: int, allowed: Readable, query: SearchQuery) -> Any:
    """One source's best PER_SOURCE matches as (source index, pk, agreement, rank, excerpt)."""
    vector = SearchVector(*source.fields, config=CONFIG)
    found = _scoped(source, allowed).annotate(_vector=vector).filter(_vector=query)
    if source.large:
        matching = _readable_rows(source, allowed).annotate(_vector=vector).filter(_vector=query)
        # Newest first. For an administrator every match counts, and walking the primary key's
        # index backwards finds the newest soon. For anyone else, ordered by the key, PostgreSQL
        # walks it and tests every row's text until it has CANDIDATES in the person's agreements
        # (a quarter of a second at county scale for a coordinator of five, seconds at national
        # scale); ordered by an expression, it takes the matches from the text's GIN index and
        # sorts those.
        newest = F("pk").desc() if allowed.everything else (F("pk") + 0).desc()
        candidates = matching.order_by(newest).values("pk")[:CANDIDATES]
        found = _scoped(source, allowed).filter(pk__in=candidates)
    return (
        found.annotate(
            _source=Value(index),
            _rank=SearchRank(_weighted(source.fields), query),
            _headline=SearchHeadline(
                _document(source.fields),
                query,
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-_rank", "-pk")
        .values_list("_source", "pk", "_agreement_id", "_rank", "_headline")[:PER_SOURCE]
    )


def _postgres_union(v: Any) -> models.QuerySet[Any]:
    """The UNION ALL of every source's best matches for the words ``v.text`` in the agreements
    ``v.texts`` and ``v.internal`` (None for an administrator, ``v.everything``: no filter)."""
    allowed = Readable(texts=v.texts or [], internal=v.internal or [], everything=v.everything)
    query = SearchQuery(v.text, config=CONFIG, search_type="websearch")
    parts = [_postgres_part(source, i, allowed, query) for i, source in enumerate(SOURCES)]
    union: models.QuerySet[Any] = parts[0].union(*parts[1:], all=True).order_by("-_rank", "-pk")
    return union[: MAX_RESULTS + 1]


# Building the union from 16 querysets takes longer than PostgreSQL takes to answer it: it is
# built once per process (for administrators and for the rest), and each search puts its own
# words and agreements in (tromsvekst.lib.queries.KeptSQL).
_UNION = KeptSQL(_postgres_union, text=str, texts=list, internal=list, everything=Shape)


def _postgres_hits(allowed: Readable, text: str) -> list[tuple[Source, Any, float, str]]:
    """The best matches of every source in one query (UNION ALL of each source's best), then
    the rows themselves for their titles and addresses, one query per kind found."""
    best = _UNION.rows(
        text=text,
        texts=None if allowed.everything else allowed.texts,
        internal=None if allowed.everything else allowed.internal,
        everything=allowed.everything,
    )
    wanted: dict[int, list[int]] = {}
    for index, pk, *_rest in best:
        wanted.setdefault(index, []).append(pk)
    rows = {
        index: _scoped(SOURCES[index], allowed).select_related(*SOURCES[index].related).in_bulk(pks)
        for index, pks in wanted.items()
    }
    found = []
    for index, pk, agreement_id, rank, headline in best:
        row = rows[index].get(pk)
        if row is not None:
            row._agreement_id = agreement_id
            found.append((SOURCES[index], row, float(rank), headline))
    return found


def _fallback_source(source: Source, allowed: Readable, text: str) -> list[tuple[Any, float, str]]:
    words = [w.casefold() for w in re.findall(r"\w+", text)][:MAX_WORDS]
    if not words:
        return []
    condition = Q()
    for word in words:
        either = Q()
        for name in source.fields:
            either |= Q(**{f"{name}__icontains": word})
        condition &= either
    rows = list(
        _scoped(source, allowed)
        .filter(condition)
        .select_related(*source.related)
        .order_by("-pk")[:CANDIDATES]
    )
    hits = []
    for row in rows:
        document = " ".join(str(getattr(row, name) or "") for name in source.fields)
        lowered = document.casefold()
        rank = sum(lowered.count(w) for w in words) / (1 + len(lowered) / 1000)
        hits.append((row, rank, _plain_excerpt(document, words)))
    hits.sort(key=lambda hit: (-hit[1], -hit[0].pk))
    return hits[:PER_SOURCE]


def _fallback_hits(allowed: Readable, text: str) -> list[tuple[Source, Any, float, str]]:
    found = [
        (source, row, rank, excerpt)
        for source in SOURCES
        for row, rank, excerpt in _fallback_source(source, allowed, text)
    ]
    found.sort(key=lambda hit: -hit[2])
    return found[: MAX_RESULTS + 1]


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search(user: User | AnonymousUser, text: str) -> Results:
    """The best hits for ``text`` among what ``user`` may read (at most MAX_RESULTS)."""
    text = text.strip()[:MAX_QUERY_CHARS]
    if not text:
        return Results(query=text, hits=[], truncated=False)
    allowed = readable(user)
    if not allowed.texts and not allowed.internal:
        return Results(query=text, hits=[], truncated=False)
    find = _postgres_hits if uses_full_text() else _fallback_hits
    hits = [
        Hit(
            kind=str(source.label),
            title=source.title(row),
            url=source.url(row),
            agreement=allowed.names.get(row._agreement_id, ""),
            excerpt=marked(excerpt),
            rank=rank,
        )
        for source, row, rank, excerpt in find(allowed, text)
    ]
    return Results(query=text, hits=hits[:MAX_RESULTS], truncated=len(hits) > MAX_RESULTS)
