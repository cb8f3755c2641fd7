"""Template tags for the evaluation report (the page and the PDF use the same ones)."""

from decimal import Decimal

from django import template

from actionplans.charts import describe_distribution, stacked_segments
from actionplans.models import Status
from actionplans.selectors import Rollup
from evaluation.models import SubGoalAssessment
from evaluation.report import IndicatorSection, format_number

register = template.Library()

# The status colours of portal.css (Designsystemet's base colours), as SVG fill attributes: the
# PDF renderer does not apply the page's CSS to inline SVG, and the same SVG serves both.
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


@register.filter
def number(value: Decimal | float | str | None) -> str:
    """12 345,5: a number the Norwegian way, with no more decimals than it has (max 2)."""
    return format_number(value)


@register.inclusion_tag("evaluation/_rating_scale.html")
def rating_scale(rating: int | None) -> dict:
    """The four-step scale with the chosen step filled; the label is always given in text."""
    steps = [
        {
            "x": (value - 1) * 15 + 1,
            "label": label,
            "filled": rating is not None and value <= rating,
        }
        for value, label in SubGoalAssessment.Rating.choices
    ]
    label = SubGoalAssessment.Rating(rating).label if rating else ""
    return {"rating": rating, "label": label, "steps": steps, "of": len(steps)}


@register.inclusion_tag("evaluation/_indicator_chart.html")
def indicator_chart(section: IndicatorSection) -> dict:
    return {"section": section, "chart": section.chart, "indicator": section.indicator}


@register.inclusion_tag("evaluation/_stacked_bar.html")
def snapshot_bar(rollup: Rollup, label: str = "") -> dict:
    """The plan pages' stacked status bar (same segments), with its colours as attributes."""
    segments = [
        {
            "status": s.status,
            "x": f"{s.x:.3f}",
            "width": f"{s.width:.3f}",
            "fill": STATUS_FILL[Status(s.status)],
        }
        for s in stacked_segments(rollup.counts)
    ]
    return {
        "segments": segments,
        "description": describe_distribution(rollup.counts),
        "label": label,
        "track": TRACK_FILL,
    }


@register.inclusion_tag("evaluation/_percent_bar.html")
def progress_bar(percent: float | None, label: str = "") -> dict:
    """The plan pages' percent bar, with its colours as attributes."""
    return {
        "percent": round(percent or 0),
        "label": label,
        "track": TRACK_FILL,
        "fill": PERCENT_FILL,
    }
