"""The stacked status bar (``charts.stacked_segments``) and its text alternative
(``charts.describe_distribution``)."""

import pytest

from actionplans.charts import describe_distribution, stacked_segments


def test_segments_fill_the_bar_in_proportion_to_the_counts():
    counts = {"done": 3, "on_track": 2, "delayed": 1, "at_risk": 0}

    segments = stacked_segments(counts)

    # Drawn best first (Fullført, I rute, …); statuses with no milestones get no segment.
    assert [(s.status, s.label, s.count) for s in segments] == [
        ("done", "Fullført", 3),
        ("on_track", "I rute", 2),
        ("delayed", "Forsinket", 1),
    ]
    assert [s.width for s in segments] == pytest.approx([50, 33.333, 16.667], abs=0.001)
    assert [s.x for s in segments] == pytest.approx([0, 50, 83.333], abs=0.001)
    assert sum(s.width for s in segments) == pytest.approx(100, abs=0.01)


@pytest.mark.parametrize(
    "counts",
    [
        {"not_started": 1, "on_track": 1, "cancelled": 1},
        {"done": 1, "on_track": 1, "not_started": 1, "at_risk": 1, "delayed": 1, "cancelled": 1},
        {"done": 7, "delayed": 3, "at_risk": 11},
        {"on_track": 1},
    ],
)
def test_the_segments_sum_to_100_and_touch_end_to_end(counts):
    segments = stacked_segments(counts)

    total = sum(counts.values())
    assert sum(s.width for s in segments) == pytest.approx(100, abs=0.01)
    for segment in segments:
        assert segment.width == pytest.approx(100 * segment.count / total, abs=0.001)
    for left, right in zip(segments, segments[1:], strict=False):
        assert right.x == pytest.approx(left.x + left.width, abs=0.002)
    assert segments[0].x == 0


def test_a_wider_bar_scales_the_segments():
    segments = stacked_segments({"done": 1, "delayed": 3}, width=200)

    assert [(s.x, s.width) for s in segments] == [(0, 50), (50, 150)]


def test_no_milestones_give_no_segments():
    assert stacked_segments({}) == []
    assert stacked_segments({"done": 0, "on_track": 0}) == []


def test_the_text_alternative_reads_the_counts_in_the_bars_order():
    counts = {"delayed": 1, "on_track": 2, "done": 3, "at_risk": 0, "cancelled": 1}

    assert describe_distribution(counts) == "3 Fullført, 2 I rute, 1 Forsinket, 1 Avlyst"


def test_the_text_alternative_of_an_empty_distribution_is_zero():
    assert describe_distribution({}) == "0"
    assert describe_distribution({"done": 0}) == "0"


def test_the_text_alternative_names_every_status():
    counts = dict.fromkeys(
        ["done", "on_track", "not_started", "at_risk", "delayed", "cancelled"], 1
    )

    assert describe_distribution(counts) == (
        "1 Fullført, 1 I rute, 1 Ikke startet, 1 Risiko, 1 Forsinket, 1 Avlyst"
    )
