from django import template

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


@register.inclusion_tag("actionplans/_status_badge.html")
def status_badge(status: str) -> dict:
    value = Status(status)
    return {"value": value.value, "label": value.label, "icon": STATUS_ICONS[value]}


@register.inclusion_tag("actionplans/_overdue_badge.html")
def overdue_badge() -> dict:
    return {"icon": OVERDUE_ICON}


@register.inclusion_tag("actionplans/_percent_bar.html")
def percent_bar(percent, label: str = "") -> dict:
    value = round(percent or 0)
    return {"percent": value, "label": label}


@register.inclusion_tag("actionplans/_stacked_bar.html")
def stacked_bar(rollup, label: str = "") -> dict:
    from actionplans.charts import describe_distribution, stacked_segments

    return {
        "segments": stacked_segments(rollup.counts),
        "description": describe_distribution(rollup.counts),
        "label": label,
    }
