"""Template tags for the evaluation report (the page and the PDF use the same ones). The status
and percent bars are plan_tags' stacked_bar and percent_bar with ``pdf=True``."""

from decimal import Decimal

from django import template

from evaluation.models import SubGoalAssessment
from evaluation.report import IndicatorSection, format_number

register = template.Library()


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
