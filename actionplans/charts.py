"""Server-rendered SVG charts (no JavaScript): each has a text alternative beside it and its
numbers in a table, so the chart is never the only way to read them."""

from dataclasses import dataclass

from actionplans.models import Status

# The order segments are drawn in, and the CSS class each gets (colours live in portal.css and
# pdf.css; patterns are not needed because every chart has its numbers in text next to it).
STACK_ORDER = [
    Status.DONE,
    Status.ON_TRACK,
    Status.NOT_STARTED,
    Status.AT_RISK,
    Status.DELAYED,
    Status.CANCELLED,
]


@dataclass
class Segment:
    status: str
    label: str
    count: int
    x: float
    width: float


def stacked_segments(counts: dict, width: float = 100.0) -> list[Segment]:
    """Segments of a 100-unit wide stacked bar for a status distribution."""
    total = sum(counts.get(s.value, 0) for s in STACK_ORDER)
    segments: list[Segment] = []
    x = 0.0
    if not total:
        return segments
    for status in STACK_ORDER:
        count = counts.get(status.value, 0)
        if not count:
            continue
        w = width * count / total
        segments.append(Segment(status.value, str(status.label), count, round(x, 3), round(w, 3)))
        x += w
    return segments


def describe_distribution(counts: dict) -> str:
    """ "3 Fullført, 2 I rute, 1 Forsinket" — the text alternative of a stacked bar."""
    parts = [f"{counts.get(s.value, 0)} {s.label}" for s in STACK_ORDER if counts.get(s.value, 0)]
    return ", ".join(parts) if parts else "0"
