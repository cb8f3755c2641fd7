"""The report as an HTML page (``evaluation:evaluation-detail``): the same content templates as
the PDF. Cover, contents, summary, assessments with their snapshot figures and charts,
indicators over time, feedback, recommendations and the appendix with the milestones' current
state."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from agreements.models import FocusArea, LongTermEffect
from evaluation import services
from evaluation.models import Evaluation, Feedback, Indicator, IndicatorValue, Recommendation
from evaluation.report import format_number, indicator_chart, nice_ticks
from tests.factories import log

from ._evaluation_helpers import assessment, build_history, new_evaluation, set_status


@pytest.fixture
def history(agreement):
    return build_history(agreement)


@pytest.fixture
def evaluation(agreement, history):
    evaluation = new_evaluation(agreement, [history.plan])
    evaluation.summary = "Samarbeidet er godt i gang.\n\nNoen tiltak er forsinket."
    evaluation.save()
    target = assessment(evaluation, "1.1")
    target.rating = 3
    target.narrative = "Boligarbeidet går bra."
    target.evidence = "Boligkartleggingen 2026."
    target.save()
    recommendation = Recommendation.objects.create(
        evaluation=evaluation, text="Samle boligtiltakene.", order=1
    )
    recommendation.actions.set([history.next_action])
    Recommendation.objects.create(evaluation=evaluation, text="Flere møter.", order=2)
    return evaluation


@pytest.fixture
def indicator(agreement):
    effect = LongTermEffect.objects.filter(agreement=agreement).order_by("order")[1]
    made = Indicator.objects.create(
        agreement=agreement,
        long_term_effect=effect,
        name="Folketall i regionen",
        unit="personer",
        source="SSB tabell 07459",
        baseline_year=2024,
        baseline_value=Decimal("131250"),
        target_year=2028,
        target_value=Decimal("132500"),
    )
    for year, value in [(2022, 131400), (2023, 131300), (2024, 131250), (2025, 131420)]:
        IndicatorValue.objects.create(indicator=made, year=year, value=value)
    return made


@pytest.fixture
def feedback(agreement, evaluation):
    area1 = FocusArea.objects.get(agreement=agreement, number=1)
    area2 = FocusArea.objects.get(agreement=agreement, number=2)
    rows = [
        ("Harstad kommune", "municipality", area1, 4, "Godt samarbeid om bolig."),
        ("Kari Nordmann", "person", area1, 2, "For lite skjer i min bygd."),
        ("Næringsforeningen", "organisation", area2, 5, "Plannettverket er nyttig."),
        ("Evenes kommune", "municipality", None, None, "Generelt fornøyd."),
    ]
    for name, kind, area, rating, text in rows:
        Feedback.objects.create(
            evaluation=evaluation,
            stakeholder=name,
            stakeholder_kind=kind,
            focus_area=area,
            rating=rating,
            text=text,
        )


def page(client, evaluation) -> str:
    response = client.get(evaluation.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def section(body: str, start: str, end: str | None = None) -> str:
    begin = body.index(f'id="{start}"')
    return body[begin : body.index(f'id="{end}"', begin)] if end else body[begin:]


def text(markup: str) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_the_cover_says_what_and_that_it_is_a_draft(client_for, reader, evaluation):
    cover = text(section(page(client_for(reader), evaluation), "forside", "innhold-h"))

    assert "Midtveisevaluering 2026" in cover
    assert "Tromsvekstavtalen for Hålogalandsregionen" in cover
    assert "Vurdering av handlingsplan 2025–2026" in cover
    assert "UTKAST" in cover
    assert "Status Utkast" in cover
    assert "Hovedansvar for evalueringen Troms fylkeskommune" in cover


def test_the_contents_link_to_every_chapter_and_sub_goal(client_for, reader, evaluation):
    toc = section(page(client_for(reader), evaluation), "innhold-h", "sammendrag")

    for anchor in ["sammendrag", "vurdering", "indikatorer", "tilbakemeldinger", "anbefalinger"]:
        assert f'href="#{anchor}"' in toc
    for code in ["1-1", "1-2", "1-3", "2-1", "3-1", "4-1"]:
        assert f'href="#delmal-{code}"' in toc


def test_the_summary_keeps_its_paragraphs(client_for, reader, evaluation):
    summary = section(page(client_for(reader), evaluation), "sammendrag", "vurdering")

    assert "<p>Samarbeidet er godt i gang.</p>" in summary
    assert "<p>Noen tiltak er forsinket.</p>" in summary
    assert "Midtveisevalueringen 2026 vurderer fremdriften" in summary


def test_each_sub_goal_has_its_rating_in_text_its_texts_and_charts(client_for, reader, evaluation):
    goal = section(page(client_for(reader), evaluation), "delmal-1-1", "delmal-1-2")

    assert "Styrke Hålogaland som bo- og arbeidsmarkedsregion." in goal
    assert "I stor grad oppnådd (3 av 4)" in text(goal)
    assert "Boligarbeidet går bra." in goal
    assert "Boligkartleggingen 2026." in goal
    assert goal.count("<svg") >= 3  # the rating scale, the status bar and the percent bar
    unrated = section(page(client_for(reader), evaluation), "delmal-1-2", "delmal-1-3")
    assert "Ikke vurdert ennå" in unrated


def test_the_indicators_have_a_chart_and_a_table(client_for, reader, evaluation, indicator):
    part = section(page(client_for(reader), evaluation), "indikatorer", "tilbakemeldinger")

    assert "Økt sysselsetting og bosetting i Hålogalandsregionen." in part
    assert "Folketall i regionen" in part
    assert '<figure class="ind-chart"' in part
    assert "stroke-dasharray" in part  # the baseline
    assert '<th scope="row">2025</th><td class="num">131\xa0420</td>' in part
    assert "Basisverdi 2024: 131\xa0250" in part
    assert "Mål 2028: 132\xa0500" in part
    assert "Fra 131\xa0400 personer i 2022 til 131\xa0420 personer i 2025." in part


def test_without_indicators_the_chapter_says_so(client_for, reader, evaluation):
    part = section(page(client_for(reader), evaluation), "indikatorer", "tilbakemeldinger")

    assert "Ingen indikatorer er registrert for avtalen ennå." in part


def test_feedback_is_counted_per_focus_area_with_the_average_rating(
    client_for, reader, evaluation, feedback
):
    part = section(page(client_for(reader), evaluation), "tilbakemeldinger", "anbefalinger")
    rows = text(part)

    assert "Innsatsområde 1 – Befolkningsutvikling 2 3" in rows
    assert "Innsatsområde 2 – Styrket samfunns- og arealplanarbeid" in rows
    assert "Generelt (uten innsatsområde) 1 –" in rows
    assert "I alt 4 3,67" in rows
    assert "Godt samarbeid om bolig." in part
    assert "Harstad kommune" in part
    # A private person's name is left out of the report.
    assert "Kari Nordmann" not in part
    assert "For lite skjer i min bygd." in part


def test_recommendations_show_where_they_went_in_the_next_plan(client_for, reader, evaluation):
    part = text(section(page(client_for(reader), evaluation), "anbefalinger", "vedlegg"))

    assert "Samle boligtiltakene. Fulgt opp i: 1.1-9 Boligprogram (handlingsplan 2027–2028)" in part
    assert "Flere møter. Ikke koblet til tiltak ennå." in part


def _appendix_rows(body: str) -> list[str]:
    part = section(body, "vedlegg")
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", part.split("<tbody>")[1], re.S)]


def test_the_appendix_lists_every_milestone_as_it_stood_at_the_snapshot(
    client_for, coordinator, reader, evaluation, history
):
    """Issue 11, finding 7: the appendix and the figures per delmål come from one snapshot, so
    progress logged afterwards moves neither until the figures are taken again."""
    before = _appendix_rows(page(client_for(reader), evaluation))
    log(history.ms["seminar"], coordinator, "done", 100, "Logget.")

    body = page(client_for(reader), evaluation)
    rows = _appendix_rows(body)

    assert "slik de sto ved uttaket" in section(body, "vedlegg")
    assert len(rows) == 6  # plan 2025–2026 only, not the next plan
    assert rows == before
    assert "Neste plan" not in section(body, "vedlegg")

    services.snapshot_refresh(evaluation=evaluation)
    seminar = next(
        row for row in _appendix_rows(page(client_for(reader), evaluation)) if "Boligseminar" in row
    )
    assert seminar == "1.1 1.1-1 Felles boligstrategi Boligseminar 30.06.2026 Fullført 100 %"


def test_coordinators_get_edit_links_and_readers_do_not(
    client_for, coordinator, reader, evaluation
):
    edit = reverse("evaluation:assessment-edit", args=[assessment(evaluation, "1.1").pk])

    assert edit in page(client_for(coordinator), evaluation)
    body = page(client_for(reader), evaluation)
    assert edit not in body
    assert reverse("evaluation:evaluation-finalise", args=[evaluation.pk]) not in body


def test_the_finalise_form_works_without_javascript_and_tells_when_it_is_working(
    client_for, coordinator, evaluation
):
    body = page(client_for(coordinator), evaluation)
    url = reverse("evaluation:evaluation-finalise", args=[evaluation.pk])

    form = body[body.index('id="ferdigstill"') - 200 : body.index("</form>", body.index(url))]
    assert f'method="post" action="{url}"' in form
    assert f'data-hx-post="{url}"' in form
    assert 'data-hx-indicator="#ferdigstill-status"' in form
    assert 'role="status"' in form
    assert "Lager PDF" in form
    assert "Disse delmålene mangler vurdering:</strong> 1.2, 1.3, 2.1, 3.1, 4.1" in form


def test_in_review_the_refresh_button_is_gone(client_for, coordinator, evaluation):
    set_status(evaluation, Evaluation.Status.IN_REVIEW)

    body = page(client_for(coordinator), evaluation)

    assert reverse("evaluation:evaluation-refresh", args=[evaluation.pk]) not in body
    assert "Tallene står fast mens evalueringen er til gjennomgang." in body


def test_the_page_needs_a_fixed_number_of_queries(
    client_for, coordinator, evaluation, indicator, feedback, django_assert_max_num_queries
):
    client = client_for(coordinator)
    client.get(evaluation.get_absolute_url())  # warm the session and caches

    with django_assert_max_num_queries(20):
        page(client, evaluation)


# --- The chart's arithmetic ---------------------------------------------------------------


def test_ticks_are_round_numbers_covering_the_values():
    assert nice_ticks(131_100, 132_600) == [131_000, 131_500, 132_000, 132_500, 133_000]
    assert nice_ticks(0.2, 0.9) == [0.2, 0.4, 0.6, 0.8, 1.0]


def test_numbers_are_written_the_norwegian_way():
    assert format_number(Decimal("131420.00")) == "131\xa0420"
    assert format_number(Decimal("3.50")) == "3,5"
    assert format_number(Decimal(11) / 3) == "3,67"
    assert format_number(None) == ""


def test_the_chart_puts_the_target_at_its_year_and_the_baseline_across(indicator):
    chart = indicator_chart(indicator, list(indicator.values.all()))

    years = [year for _x, year in chart.x_labels]
    assert years == [2022, 2023, 2024, 2025, 2026, 2027, 2028]
    assert [p.year for p in chart.points] == [2022, 2023, 2024, 2025]
    assert chart.target.year == 2028
    assert chart.target.x == chart.x_labels[-1][0]
    # The lowest value is drawn lowest (SVG y grows downwards).
    lowest = max(chart.points, key=lambda p: float(p.y))
    assert lowest.year == 2024
    assert chart.baseline_y == lowest.y  # the baseline is the 2024 value
    # Coordinates use a dot whatever the locale's decimal separator.
    assert all("," not in p.x + p.y for p in chart.points)
