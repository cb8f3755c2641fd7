from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language

from actionplans.models import Status

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


# The badges and bars below depend only on their arguments and the language, and the plan page
# shows hundreds of them: each is rendered once per process and then reused (not in DEBUG, so
# that an edited template shows at once).


@lru_cache(maxsize=4096)
def _rendered(template_name: str, language: str | None, items: tuple) -> str:
    return render_to_string(template_name, dict(items))


def _render(template_name: str, **ctx) -> str:
    items = tuple(sorted((key, str(value)) for key, value in ctx.items()))
    if settings.DEBUG:
        return render_to_string(template_name, dict(items))
    return _rendered(template_name, get_language(), items)


@register.simple_tag
def status_badge(status: str) -> str:
    value = Status(status)
    return _render(
        "actionplans/_status_badge.html",
        value=value.value,
        label=value.label,
        icon=STATUS_ICONS[value],
    )


@register.simple_tag
def overdue_badge() -> str:
    return _render("actionplans/_overdue_badge.html", icon=OVERDUE_ICON)


@register.simple_tag
def percent_bar(percent, label: str = "") -> str:
    return _render("actionplans/_percent_bar.html", percent=round(percent or 0), label=label)


@register.inclusion_tag("actionplans/_stacked_bar.html")
def stacked_bar(rollup, label: str = "") -> dict:
    from actionplans.charts import describe_distribution, stacked_segments

    return {
        "segments": stacked_segments(rollup.counts),
        "description": describe_distribution(rollup.counts),
        "label": label,
    }


@register.simple_tag
def due_date(milestone, date_format: str = "j. F Y") -> str:
    """The milestone's due date as a <time>, or «Ny frist mangler» for a milestone carried over
    to a new plan that is still waiting for its new deadline."""
    from django.utils.formats import date_format as format_date
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if milestone.due_date is None:
        return format_html(
            '<strong class="needs-due-date">{}</strong>', gettext("Ny frist mangler")
        )
    return format_html(
        '<time datetime="{}">{}</time>',
        milestone.due_date.isoformat(),
        format_date(milestone.due_date, date_format),
    )
