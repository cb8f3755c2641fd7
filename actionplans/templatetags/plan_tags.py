"""The plan pages' small components: status and overdue badges, the percent bar and the stacked
status bar (one of each, also used by the evaluation report with ``pdf=True``), due dates, and
the parts of a milestone row on the action plan page.

The plan page shows hundreds of milestone rows, and its first rendering after every change is
what a coordinator waits for: a row is therefore rendered with little template machinery. The
badges and bars depend only on their arguments and the language, so each is rendered once per
process from its template and then reused (not in DEBUG, so that an edited template shows at
once); ``milestone_row`` gathers everything else a row shows in one call per row.
"""

import datetime
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import lru_cache, wraps
from html import escape
from typing import Any, NamedTuple, TypeVar, cast
from urllib.parse import quote

from django import template
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext

from actionplans.charts import describe_distribution, stacked_segments
from actionplans.models import CLOSED_STATUSES, Milestone, ProgressUpdate, Status
from actionplans.selectors import PlanMilestone, RecentUpdate
from tromsvekst.lib.dates import local_today

register = template.Library()

# An icon shape for every status, so that colour is never the only cue (WCAG 1.4.1).
STATUS_ICONS = {
    Status.NOT_STARTED: "M12 4a8 8 0 1 0 0 16a8 8 0 1 0 0-16zm0 2.5a5.5 5.5 0 1 1 0 11a5.5 5.5 0 1 1 0-11z",
    Status.ON_TRACK: "M4 13l5 5L20 7l-2-2-9 9-3-3z",
    Status.AT_RISK: "M12 3L2 21h20L12 3zm-1 6h2v6h-2zm0 8h2v2h-2z",
    Status.DELAYED: "M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18zm1 4v5.4l3.6 2.1-1 1.7L11 13.6V7z",
    Status.DONE: "M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20zm-1.5 14.5L6 12l1.5-1.5 3 3 6-6L18 9z",
    Status.CANCELLED: "M6.4 5L12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z",
}
OVERDUE_ICON = "M12 2L1 21h22L12 2zm-1 7h2v6h-2zm0 8h2v2h-2z"

# The status colours of portal.css (Designsystemet's base colours) as SVG fill attributes, for
# the PDF (``pdf=True``): WeasyPrint does not apply the page's CSS to inline SVG.
STATUS_FILL = {
    Status.DONE: "#068718",
    Status.ON_TRACK: "#0a71c0",
    Status.NOT_STARTED: "#717a84",
    Status.AT_RISK: "#ea9b1b",
    Status.DELAYED: "#c01b1b",
    Status.CANCELLED: "#c7cacf",
}
TRACK_FILL = "#dfe2e6"
PERCENT_FILL = "#0f4c81"


# --- Rendered once per process ------------------------------------------------------------------

Rendering = TypeVar("Rendering", bound=Callable[..., str])


def _kept(function: Rendering) -> Rendering:
    """Keep a rendering per its (positional) arguments, the language among them, for the life of
    the process; not in DEBUG, so that an edited template shows at once."""
    cached = lru_cache(maxsize=4096)(function)

    @wraps(function)
    def call(*args: Hashable) -> str:
        return function(*args) if settings.DEBUG else cached(*args)

    return cast(Rendering, call)


@_kept
def _status_badge(status: str, language: str | None) -> str:
    value = Status(status)
    context = {"value": value.value, "label": value.label, "icon": STATUS_ICONS[value]}
    return render_to_string("actionplans/_status_badge.html", context)


@_kept
def _overdue_badge(language: str | None) -> str:
    return render_to_string("actionplans/_overdue_badge.html", {"icon": OVERDUE_ICON})


@_kept
def _percent_bar(percent: int, label: str, pdf: bool, language: str | None) -> str:
    context = {"percent": percent, "label": label, "pdf": pdf}
    if pdf:
        context |= {"track": TRACK_FILL, "fill": PERCENT_FILL}
    return render_to_string("components/percent_bar.html", context)


class _Segment(NamedTuple):
    status: str
    x: str
    width: str
    fill: str


@_kept
def _stacked_bar(
    counts: tuple[tuple[str, int], ...], label: str, pdf: bool, language: str | None
) -> str:
    distribution = dict(counts)
    segments = [
        _Segment(s.status, f"{s.x:.3f}", f"{s.width:.3f}", STATUS_FILL[Status(s.status)])
        for s in stacked_segments(distribution)
    ]
    context = {
        "segments": segments,
        "description": describe_distribution(distribution),
        "label": label,
        "pdf": pdf,
        "track": TRACK_FILL,
    }
    return render_to_string("components/stacked_bar.html", context)


@register.simple_tag
def status_badge(status: str) -> SafeString:
    """The status's badge: its icon and its name, in its colour (never colour alone)."""
    return mark_safe(_status_badge(status, get_language()))  # noqa: S308 (a template's output)


@register.simple_tag
def overdue_badge() -> SafeString:
    return mark_safe(_overdue_badge(get_language()))  # noqa: S308 (a template's output)


@register.simple_tag
def percent_bar(percent: float | None, label: str = "", pdf: bool = False) -> SafeString:
    """The percent bar (components/percent_bar.html); ``pdf`` puts its colours in attributes."""
    html = _percent_bar(round(percent or 0), str(label), bool(pdf), get_language())
    return mark_safe(html)  # noqa: S308 (a template's output)


@register.simple_tag
def stacked_bar(rollup: Any, label: str = "", pdf: bool = False) -> SafeString:
    """The stacked status bar of a roll-up's counts (components/stacked_bar.html), with the
    distribution in words beside it; ``pdf`` puts its colours in attributes."""
    counts: Mapping[str, int] = rollup.counts
    html = _stacked_bar(tuple(sorted(counts.items())), str(label), bool(pdf), get_language())
    return mark_safe(html)  # noqa: S308 (a template's output)


@_kept
def _rollup(
    prefix: str,
    pk: int,
    percent: int,
    done: int,
    total: int,
    overdue: int,
    oob: bool,
    language: str | None,
) -> str:
    context = {
        "prefix": prefix,
        "pk": pk,
        "percent": percent,
        "done": done,
        "total": total,
        "overdue": overdue,
        "oob": oob,
    }
    return render_to_string("actionplans/_rollup.html", context)


@register.simple_tag
def rollup(figures: Any, prefix: str, pk: int | None, oob: bool = False) -> SafeString:
    """A node's roll-up on the plan page (actionplans/_rollup.html): its average progress and how
    many of its milestones are done and overdue, with the id the saved row's out-of-band swap
    (``oob``) replaces. ``figures`` is a selectors.Rollup."""
    html = _rollup(
        prefix,
        pk or 0,
        figures.percent,
        figures.done,
        figures.total,
        figures.overdue,
        bool(oob),
        get_language(),
    )
    return mark_safe(html)  # noqa: S308 (a template's output)


@register.filter
def choice_list(choices: Iterable[Any]) -> list[Any]:
    """A select's choices read in one query: a model choice field's iterator would count its
    rows first (as {% for %} asks for the length) and then read them through a server-side
    cursor (three more round trips)."""
    if isinstance(choices, ModelChoiceIterator):
        empty = choices.field.empty_label
        head = [("", empty)] if empty is not None else []
        return head + [choices.choice(obj) for obj in choices.queryset]
    return [choice for choice in choices]  # noqa: C416 (list() would ask for the length first)


# --- Dates --------------------------------------------------------------------------------------


@_kept
def _due(day: datetime.date | None, fmt: str, language: str | None) -> str:
    if day is None:
        return format_html(
            '<strong class="needs-due-date">{}</strong>', gettext("Ny frist mangler")
        )
    return format_html('<time datetime="{}">{}</time>', day.isoformat(), date_format(day, fmt))


@register.simple_tag
def due_date(milestone: Milestone, date_format: str = "j. F Y") -> SafeString:
    """The milestone's due date as a <time>, or «Ny frist mangler» for a milestone carried over
    to a new plan that is still waiting for its new deadline."""
    return mark_safe(_due(milestone.due_date, date_format, get_language()))  # noqa: S308 (format_html)


@lru_cache(maxsize=16)
def _month_names(language: str | None) -> dict[int, str]:
    return {number: escape(str(name)) for number, name in MONTHS.items()}


def _moment(when: datetime.datetime, language: str | None, *, clock: bool = True) -> str:
    """A <time> for a moment in Europe/Oslo, as the template filters ``date:'Y-m-d\\TH:i:sO'``
    and ``date:"j. F Y \\k\\l. H:i"`` (``clock``) or ``date:"j. F Y"`` would write it: kept
    per moment, language and time zone (the same updates' moments are written on every page
    made fresh until newer ones come; the conversion and formatting cost about 8 µs each). The
    portal writes every moment in its own time zone (TIME_ZONE; no request activates another),
    so that is the zone of the key: asking for the active one costs half of what is saved."""
    return _moment_in(when, language, clock, settings.TIME_ZONE)


@_kept
def _moment_in(when: datetime.datetime, language: str | None, clock: bool, zone: str) -> str:
    local = timezone.localtime(when)
    month = _month_names(language)[local.month]
    text = f"{local.day}. {month} {local.year}" + (f" kl. {local:%H:%M}" if clock else "")
    return f'<time datetime="{local:%Y-%m-%dT%H:%M:%S%z}">{text}</time>'


# --- A milestone row on the action plan page ----------------------------------------------------

# The row's markup. It is written here rather than in a template because the plan page renders
# hundreds of rows on its first reading after each change (about 0.15 ms of template machinery
# per row as a template, against 0.03 ms as one string). Every piece of text in it is escaped.
ROW = (
    '<li class="milestone{done}" id="milepael-{pk}"><div class="milestone__main">'
    '<a class="ds-link milestone__title" href="{url}">{title}</a>'
    '<div class="milestone__badges">{badges}</div></div>'
    '<div class="milestone__facts">{bar}'
    '<span class="milestone__due">{t[due]}: {due}</span>'
    '<span class="milestone__responsible">{t[responsible]}: {responsible}</span>'
    '<span class="milestone__last meta">{last}</span>{log}</div>'
    '<div id="milepael-{pk}-skjema" class="milestone__editor"></div></li>'
)
# «Logg fremdrift» loads the form into the row's editor: the plan page's list of milestones
# gives every row's button its target (the next .milestone__editor) and swap.
LOG_BUTTON = (
    '<a class="ds-button milestone__log" data-variant="secondary" data-size="sm" href="{url}"'
    ' data-hx-get="{url}"{autofocus}>{t[log]}<span class="ds-sr-only">: {title}</span></a>'
)
LAST_UPDATE = "{t[last]} {moment} {t[by]} {author}"


@lru_cache(maxsize=16)
def _row_texts(language: str | None) -> dict[str, str]:
    """The row's fixed texts in ``language``, escaped."""
    texts = {
        "due": gettext("Frist"),
        "responsible": gettext("Ansvarlig"),
        "nobody": gettext("ikke satt"),
        "last": gettext("Sist oppdatert"),
        "by": gettext("av"),
        "never": gettext("Ingen statusoppdateringer ennå"),
        "log": gettext("Logg fremdrift"),
        "percent": gettext("Prosent fullført"),
    }
    escaped = {key: escape(text) for key, text in texts.items()}
    escaped["nobody"] = f'<span class="meta">{escaped["nobody"]}</span>'
    return escaped


@lru_cache(maxsize=64)
def _url_formats(script_prefix: str) -> tuple[str, str]:
    """The milestone page's and the log form's addresses with ``{}`` for the milestone's id: the
    plan page would otherwise reverse two URLs for each of its hundreds of rows."""
    marker = 999999999
    detail = reverse("actionplans:milestone-detail", args=[marker])
    log = reverse("actionplans:progress-log", args=[marker])
    return detail.replace(str(marker), "{}"), log.replace(str(marker), "{}")


@lru_cache(maxsize=256)
def _quoted(url: str) -> str:
    return quote(url, safe="/")  # as the urlencode filter


def _badges(status: str, overdue: bool, language: str | None) -> str:
    """The status badge, and the overdue badge after it when the milestone is overdue."""
    badge = _status_badge(status, language)
    return f"{badge} {_overdue_badge(language)}" if overdue else badge


@register.simple_tag
def milestone_row(
    milestone: "Milestone | PlanMilestone",
    *,
    today: datetime.date | None = None,
    back_url: str = "",
    can_edit: bool = False,
    focus_log: bool = False,
) -> SafeString:
    """A milestone's row on the plan page (its ``milestone-row`` partial): title, status and
    overdue badges, percent bar, due date, responsible, last update, and for a coordinator
    (``can_edit``) the «Logg fremdrift» button, which leads back to ``back_url`` (the page with
    its filters) after saving without JavaScript; ``focus_log`` focuses it (after a save).
    ``milestone`` is a row of selectors.plan_tree, or a Milestone (a row drawn again alone)."""
    row = (
        milestone
        if isinstance(milestone, PlanMilestone)
        else PlanMilestone.from_milestone(milestone)
    )
    language = get_language()
    t = _row_texts(language)
    detail, log = _url_formats(get_script_prefix())
    status, due = row.status, row.due_date
    overdue = status not in CLOSED_STATUSES and due is not None and due < (today or local_today())
    title = escape(row.title)
    log_button = ""
    if can_edit:
        url = log.format(row.pk) + (f"?next={_quoted(back_url)}" if back_url else "")
        log_button = LOG_BUTTON.format(
            url=escape(url), title=title, t=t, autofocus=" autofocus" if focus_log else ""
        )
    html = ROW.format(
        done=" milestone--done" if status == Status.DONE else "",
        pk=row.pk,
        url=detail.format(row.pk),
        title=title,
        badges=_badges(status, overdue, language),
        bar=_percent_bar(row.percent, t["percent"], False, language),
        due=_due(due, "j. F Y", language),
        responsible=escape(row.responsible) if row.responsible is not None else t["nobody"],
        last=(
            LAST_UPDATE.format(
                t=t,
                moment=_moment(row.last_update_at, language),
                author=escape(row.last_update_by),
            )
            if row.last_update_at is not None
            else t["never"]
        ),
        log=log_button,
        t=t,
    )
    return mark_safe(html)  # noqa: S308 (every value above is escaped or built here)


# --- «Siden forrige møte» on the dashboard ----------------------------------------------------------

# One progress update in the dashboard's list of changes (up to 50, made fresh after every change):
# written here for the same reason as the plan page's rows. Every piece of text is escaped.
CHANGE = (
    '<li class="{worse}">{flag}<a class="ds-link" href="{url}">{title}</a>: {previous}{badge} '
    '{percent}&nbsp;% <span class="meta">– {author}, {moment}</span></li>'
)


@lru_cache(maxsize=16)
def _change_texts(language: str | None) -> dict[str, str]:
    flag = escape(gettext("Forverret:"))
    return {"flag": f'<strong class="change__flag">{flag}</strong> '}


@lru_cache(maxsize=256)
def _change_status(status: str, previous: str, language: str | None) -> tuple[str, str, str]:
    """CHANGE's «worse» class, «Forverret:» flag and previous status (when it changed) for an
    update from ``previous`` to ``status``: worked out once per pair of statuses and language."""
    update = ProgressUpdate(status=status, previous_status=previous)
    worse = update.got_worse
    return (
        "change--worse" if worse else "",
        _change_texts(language)["flag"] if worse else "",
        f"{escape(update.previous_status_label)} → " if update.status_changed else "",
    )


@register.simple_tag
def change_items(updates: Iterable[RecentUpdate]) -> SafeString:
    """The updates of a sub-goal in «Siden forrige møte» (selectors.changes_since), one <li>
    each: «Forverret:» when the status got worse, the milestone (a link), the status change,
    the badge and percent, who and when."""
    language = get_language()
    detail, _ = _url_formats(get_script_prefix())
    items = []
    for update in updates:
        status = update.status
        worse, flag, previous = _change_status(status, update.previous_status, language)
        items.append(
            CHANGE.format(
                worse=worse,
                flag=flag,
                url=detail.format(update.milestone_id),
                title=escape(update.milestone_title),
                previous=previous,
                badge=_status_badge(status, language),
                percent=update.percent,
                author=escape(update.author),
                moment=_moment(update.created_at, language, clock=False),
            )
        )
    return mark_safe("".join(items))  # noqa: S308 (every value above is escaped or built here)


# --- The headline's figures (the dashboard and the meeting brief) ------------------------------

# A status's row in the headline's table, as actionplans/_headline.html wrote it in a loop (the
# newlines included, so that the page stays the same): one string per row instead of a dozen
# nodes. Every piece of text is escaped.
HEADLINE_ROW = (
    '\n      <tr>\n        <th scope="row">{badge}</th>\n        <td class="num">{count}</td>'
    '\n        <td class="num">{overdue}</td>\n      </tr>\n    '
)


@lru_cache(maxsize=16)
def _headline_texts(language: str | None) -> dict[str, str]:
    return {"closed": escape(gettext("kan ikke være forfalt"))}


def _figure(url: str | None, figure: str, n: int) -> str:
    """A count, a link to the milestones behind it when there is an address and any."""
    if url and n:
        return f'<a class="ds-link" href="{escape(url)}" data-figure="{figure}">{n}</a>'
    return f'<span data-figure="{figure}">{n}</span>'


@register.simple_tag
def headline_rows(links: Mapping[str, Any] | None) -> SafeString:
    """The headline table's rows, a status each (``links`` as views_dashboard.headline_links:
    {"rows": [{"row": HeadlineRow, "url", "overdue_url"}], ...}): its badge, its count and how
    many of those are overdue, each a link where the row has an address."""
    language = get_language()
    rows = []
    for link in links["rows"] if links else ():
        row = link["row"]
        value = escape(row.value)
        if row.closed:
            overdue = (
                '<span aria-hidden="true">–</span><span class="ds-sr-only">'
                f"{_headline_texts(language)['closed']}</span>"
            )
        else:
            overdue = _figure(link["overdue_url"], f"overdue_{value}", int(row.overdue))
        rows.append(
            HEADLINE_ROW.format(
                badge=_status_badge(row.value, language),
                count=_figure(link["url"], value, int(row.count)),
                overdue=overdue,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped or built here)


@_kept
def _headline_terms(language: str | None) -> str:
    return render_to_string("actionplans/_headline_terms.html")


@register.simple_tag
def headline_terms() -> SafeString:
    """How the headline's figures are read (actionplans/_headline_terms.html): text alone, made
    once per language."""
    return mark_safe(_headline_terms(get_language()))  # noqa: S308 (a template's output)


# --- The dashboard's table of focus areas and sub-goals -----------------------------------------

# A row's four figures, as actionplans/_dashboard_cells.html wrote them (the newlines included,
# so that the page stays the same): the table is made fresh after every change, and one string
# per row costs a fraction of an included template's nodes. Every piece of text is escaped.
CELLS = "\n<td>{bar}</td>\n<td>{stacked}</td>\n<td>{overdue}</td>\n<td>{last}</td>\n\n"
NO_CELLS = '\n<td colspan="4" class="meta">{none}</td>\n\n'
AREA_HEADER = (
    '<th scope="row"><a class="ds-link" href="{url}#innsatsomrade-{number}">{number}. {title}</a>'
    "</th>"
)
GOAL_HEADER = (
    '<th scope="row" class="dash-table__goal"><a class="ds-link" href="{url}#delmal-{code}">'
    '{name}</a> <span class="meta">{text}</span></th>'
)


@lru_cache(maxsize=16)
def _cell_texts(language: str | None) -> dict[str, str]:
    """The cells' labels in ``language``: those of the bars as given to them (they escape), the
    rest escaped."""
    return {
        "percent": gettext("Fremdrift"),
        "stacked": gettext("Statusfordeling"),
        "none": escape(gettext("Ingen milepæler")),
    }


def _cells(figures: Any, language: str | None) -> str:
    """The progress bar, status distribution, overdue count and last update of a node's
    roll-up (a selectors.Rollup, or None for a node without milestones)."""
    t = _cell_texts(language)
    if not (figures and figures.total):
        return NO_CELLS.format(none=t["none"])
    counts: Mapping[str, int] = figures.counts
    last = figures.last_update
    return CELLS.format(
        bar=_percent_bar(round(figures.percent or 0), t["percent"], False, language),
        stacked=_stacked_bar(tuple(sorted(counts.items())), t["stacked"], False, language),
        overdue=f"<strong>{figures.overdue}</strong>" if figures.overdue else "0",
        last=_moment(last, language, clock=False) if last else "–",
    )


@register.simple_tag
def area_row(area: Mapping[str, Any], plan_url: str) -> SafeString:
    """A focus area's header and figures in the dashboard's table (``area`` as the dashboard's
    ``areas``: {"focus_area", "rollup", ...}); ``plan_url`` is the plan page's address."""
    focus_area = area["focus_area"]
    header = AREA_HEADER.format(
        url=escape(plan_url), number=focus_area.number, title=escape(focus_area.title)
    )
    html = f"{header}\n        {_cells(area['rollup'], get_language())}"
    return mark_safe(html)  # noqa: S308 (every value above is escaped or built here)


@register.simple_tag
def goal_row(goal: Mapping[str, Any], plan_url: str) -> SafeString:
    """A sub-goal's header (its code, its text cut to twelve words) and figures in the
    dashboard's table (``goal``: {"sub_goal", "rollup"})."""
    sub_goal = goal["sub_goal"]
    code = escape(sub_goal.code)
    header = GOAL_HEADER.format(
        url=escape(plan_url),
        code=code,
        name=gettext("Delmål %(code)s") % {"code": code},
        text=escape(Truncator(sub_goal.text).words(12, truncate=" …")),
    )
    html = f"{header}\n        {_cells(goal['rollup'], get_language())}"
    return mark_safe(html)  # noqa: S308 (every value above is escaped or built here)


# --- The dashboard's filter form ----------------------------------------------------------------


# A field of the dashboard's filter form, as dashboard.html wrote it in a loop (the newlines
# included, so that the page stays the same): four fields of a dozen nodes each, made fresh with
# the page. Every piece of text is escaped.
FILTER_FIELD = (
    '\n    <div class="ds-field">\n      <label class="ds-label" for="{id}">{label}</label>'
    "\n      {control}\n    </div>\n    "
)
DATE_CONTROL = (
    '\n        <input class="ds-input" type="date" name="since" id="{id}" value="{value}"'
    ' aria-describedby="since-help">\n        <p class="field-help" id="since-help">{help}</p>'
    "\n      "
)
SELECT_CONTROL = (
    '\n        <select class="ds-input" name="{name}" id="{id}">\n          {options}'
    "\n        </select>\n      "
)


@register.simple_tag
def dashboard_filter_fields(form: Iterable[Any], plan: Any) -> SafeString:
    """The dashboard's filter fields (actionplans.forms.DashboardFilterForm), each a label and
    its control: «Endringer siden» a date with its help text, the others a select whose chosen
    option is the field's value (the plan shown, for «Handlingsplan»)."""
    html = []
    for field in form:
        field_id = escape(field.id_for_label)
        if field.name == "since":
            value = field.value()
            control = DATE_CONTROL.format(
                id=field_id,
                value=escape("" if value is None else f"{value}"),
                help=escape(str(field.help_text)),
            )
        else:
            if field.name == "plan":
                chosen = plan.pk if plan is not None else None
            else:
                chosen = field.value()
            control = SELECT_CONTROL.format(
                name=escape(field.html_name),
                id=field_id,
                options=select_options(field.field.choices, chosen),
            )
        html.append(
            FILTER_FIELD.format(id=field_id, label=escape(str(field.label)), control=control)
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped or built here)


@register.simple_tag
def select_options(choices: Iterable[tuple[Any, Any]], selected: Any) -> SafeString:
    """A select's <option>s, the one whose value is ``selected`` (compared as text; None is
    none) marked: one call instead of a loop that reads the field's value for every option."""
    current = "" if selected is None else str(selected)
    html = "".join(
        f'<option value="{escape(str(value))}"{" selected" if str(value) == current else ""}>'
        f"{escape(str(label))}</option>"
        for value, label in choices
    )
    return mark_safe(html)  # noqa: S308 (every value above is escaped)
