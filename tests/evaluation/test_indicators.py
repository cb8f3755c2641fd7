"""The indicator pages (``evaluation:indicator-list``, ``-detail``, ``-create``, ``-edit``): what
they show, what is stored, who may do what, and the example indicators of the demo."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from agreements.models import LongTermEffect
from evaluation.models import Evaluation, Feedback, Indicator, IndicatorValue
from tromsvekst.demo.indicators import DEMO_INDICATORS, demo_indicators_load

SAMPLE_JSON = Path(__file__).parent / "data" / "ssb-07459-halogaland.json"


def effect_of(agreement, start: str = "Økt sysselsetting og bosetting") -> LongTermEffect:
    return agreement.long_term_effects.get(text__startswith=start)


@pytest.fixture
def indicator(agreement) -> Indicator:
    indicator = Indicator.objects.create(
        agreement=agreement,
        long_term_effect=effect_of(agreement),
        name="Befolkning i Hålogalandsregionen",
        unit="personer",
        source="SSB tabell 07459",
        municipalities="1806\n5503",
        baseline_year=2025,
        baseline_value=Decimal("52390"),
        target_value=Decimal("53000"),
        target_year=2028,
    )
    for year, value, note in [
        (2024, "52305", "SSB 07459, hentet 1.3.2025"),
        (2025, "52390", "SSB 07459, hentet 1.3.2026"),
        (2026, "52250", "SSB 07459, hentet 1.3.2027"),
    ]:
        IndicatorValue.objects.create(
            indicator=indicator, year=year, value=Decimal(value), source_note=note
        )
    return indicator


def list_url(agreement) -> str:
    return reverse("evaluation:indicator-list", args=[agreement.slug])


# --------------------------------------------------------------------------------------------
# List


def test_list_groups_by_long_term_effect_with_latest_value_baseline_target(
    client_for, reader, indicator
):
    response = client_for(reader).get(list_url(indicator.agreement))

    assert response.status_code == 200
    text = response.content.decode()
    heading = "Økt sysselsetting og bosetting i Hålogalandsregionen."
    assert heading in text
    # The indicator is listed under its effect, before the next effect's heading.
    after = text.split(heading, 1)[1]
    assert after.index("Befolkning i Hålogalandsregionen") < after.index("<h2")
    assert "52\xa0250 personer" in text  # latest value, 2026
    assert "(2026)" in text
    assert "52\xa0390" in text and "(2025)" in text  # baseline
    assert "53\xa0000" in text and "(2028)" in text  # target
    assert "Høyere er bedre" in text
    assert "\u2212140 – i feil retning" in text  # below the baseline, and higher is better
    assert "Ny indikator" not in text  # a reader cannot add


def test_list_shows_the_new_button_to_coordinators(client_for, coordinator, agreement):
    response = client_for(coordinator).get(list_url(agreement))
    text = response.content.decode()
    assert "Avtalen har ingen indikatorer ennå." in text
    assert reverse("evaluation:indicator-create", args=[agreement.slug]) in text


def test_list_query_count_does_not_grow_with_indicators(
    client_for, reader, indicator, django_assert_max_num_queries
):
    for n in range(5):
        other = Indicator.objects.create(
            agreement=indicator.agreement,
            long_term_effect=effect_of(indicator.agreement, "Redusere utenforskap"),
            name=f"Indikator {n}",
            unit="prosent",
            source="Troms i tall",
        )
        IndicatorValue.objects.create(indicator=other, year=2025, value=n)
    client = client_for(reader)
    with django_assert_max_num_queries(7):
        response = client.get(list_url(indicator.agreement))
    assert response.content.decode().count("Indikator ") >= 5


def test_list_access(client_for, outsider, agreement):
    response = client_for(None).get(list_url(agreement))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client_for(outsider).get(list_url(agreement)).status_code == 404
    assert client_for(outsider).post(list_url(agreement)).status_code == 405


def test_example_indicators_are_marked(client_for, reader, indicator):
    indicator.is_example = True
    indicator.save()
    text = client_for(reader).get(list_url(indicator.agreement)).content.decode()
    assert "Eksempeldata" in text
    assert "De er ikke offisiell statistikk." in text


# --------------------------------------------------------------------------------------------
# Detail


def test_detail_shows_values_by_year_with_source_notes(client_for, reader, indicator):
    response = client_for(reader).get(reverse("evaluation:indicator-detail", args=[indicator.pk]))

    assert response.status_code == 200
    text = response.content.decode()
    rows = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.index("2024") < rows.index("2025") < rows.index("2026")
    assert "SSB 07459, hentet 1.3.2026" in rows
    assert "+85" in rows  # 2024 → 2025
    assert "\u2212140" in rows  # 2025 → 2026
    assert "1806, 5503" in text
    assert "Verdiene er summen for kommunene over." in text
    assert "Importer verdier" not in text  # a reader cannot import


def test_detail_access(client_for, outsider, coordinator, indicator):
    url = reverse("evaluation:indicator-detail", args=[indicator.pk])
    assert client_for(None).get(url).status_code == 302
    assert client_for(outsider).get(url).status_code == 404
    text = client_for(coordinator).get(url).content.decode()
    assert reverse("evaluation:indicator-import", args=[indicator.pk]) in text
    assert reverse("evaluation:indicator-edit", args=[indicator.pk]) in text


def test_detail_of_an_indicator_without_values(client_for, coordinator, indicator):
    indicator.values.all().delete()
    url = reverse("evaluation:indicator-detail", args=[indicator.pk])
    text = client_for(coordinator).get(url).content.decode()
    assert "Indikatoren har ingen verdier ennå." in text


# --------------------------------------------------------------------------------------------
# Create and edit


def form_data(agreement, **changes) -> dict:
    data = {
        "long_term_effect": effect_of(agreement).pk,
        "name": "Sysselsatte i regionen",
        "unit": "personer",
        "source": "Troms i tall",
        "municipalities": "1806, K-5503\n1853 5503",
        "direction": "higher",
        "baseline_year": "2024",
        "baseline_value": "26 480,5",
        "target_year": "",
        "target_value": "",
    }
    data.update(changes)
    return data


def test_coordinator_creates_an_indicator(client_for, coordinator, agreement):
    url = reverse("evaluation:indicator-create", args=[agreement.slug])

    response = client_for(coordinator).post(url, form_data(agreement))

    indicator = Indicator.objects.get(name="Sysselsatte i regionen")
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:indicator-detail", args=[indicator.pk])
    assert indicator.agreement == agreement
    assert indicator.municipality_codes == ["1806", "5503", "1853"]
    assert indicator.baseline_value == Decimal("26480.50")
    assert not indicator.is_example


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"municipalities": "1806, Narvik"}, "Dette er ikke kommunenummer (fire sifre): «Narvik»."),
        ({"baseline_value": ""}, "Fyll ut både basisår og basisverdi."),
        ({"target_year": "2030"}, "Fyll ut både målår og målverdi."),
        ({"target_year": "2020", "target_value": "1"}, "Målåret kan ikke være før basisåret."),
        ({"baseline_year": "20245"}, "Skriv et årstall mellom 1900 og 2100."),
        ({"baseline_value": "mange"}, "Skriv et tall, for eksempel 52 390 eller 3,5."),
        ({"name": ""}, "Fyll ut feltet."),
    ],
)
def test_create_refuses_bad_input(client_for, coordinator, agreement, changes, message):
    url = reverse("evaluation:indicator-create", args=[agreement.slug])

    response = client_for(coordinator).post(url, form_data(agreement, **changes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Indicator.objects.exists()


def test_create_refuses_another_agreements_effect(
    client_for, coordinator, agreement, other_agreement
):
    other = LongTermEffect.objects.create(agreement=other_agreement, text="Annen effekt")
    url = reverse("evaluation:indicator-create", args=[agreement.slug])

    response = client_for(coordinator).post(url, form_data(agreement, long_term_effect=other.pk))

    assert "Velg en av avtalens langsiktige effekter." in response.content.decode()
    assert not Indicator.objects.exists()


def test_create_permissions(client_for, reader, outsider, agreement):
    url = reverse("evaluation:indicator-create", args=[agreement.slug])
    assert client_for(None).post(url, form_data(agreement)).status_code == 302
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, form_data(agreement)).status_code == 403
    assert client_for(outsider).post(url, form_data(agreement)).status_code == 404
    assert not Indicator.objects.exists()


def test_edit_saves_changes(client_for, coordinator, indicator):
    url = reverse("evaluation:indicator-edit", args=[indicator.pk])
    data = form_data(
        indicator.agreement, name="Befolkning (endret)", direction="lower", municipalities=""
    )

    response = client_for(coordinator).post(url, data)

    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.name == "Befolkning (endret)"
    assert indicator.direction == Indicator.Direction.LOWER
    assert indicator.municipality_codes == []
    assert indicator.values.count() == 3  # values are not touched by editing


def test_edit_form_shows_saved_values_with_decimal_comma(client_for, coordinator, indicator):
    indicator.baseline_value = Decimal("3.5")
    indicator.save()
    url = reverse("evaluation:indicator-edit", args=[indicator.pk])
    text = client_for(coordinator).get(url).content.decode()
    assert 'value="3,50"' in text
    assert "1806\n5503" in text


def test_edit_permissions(client_for, reader, outsider, admin_user, indicator):
    url = reverse("evaluation:indicator-edit", args=[indicator.pk])
    data = form_data(indicator.agreement, name="Nytt navn")
    assert client_for(None).get(url).status_code == 302
    assert client_for(reader).post(url, data).status_code == 403
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(admin_user).put(url).status_code == 405
    indicator.refresh_from_db()
    assert indicator.name == "Befolkning i Hålogalandsregionen"
    assert client_for(admin_user).post(url, data).status_code == 302


# --------------------------------------------------------------------------------------------
# The demo


def test_demo_indicators_are_example_data_and_load_idempotently(agreement):
    first = demo_indicators_load()
    second = demo_indicators_load()

    assert (first.indicators_created, first.values_created) == (2, 6)
    assert (second.indicators_created, second.values_created) == (0, 0)
    demo = Indicator.objects.filter(agreement=agreement)
    assert demo.count() == 2
    assert all(i.is_example for i in demo)
    assert all(i.long_term_effect == effect_of(agreement) for i in demo)
    assert all(i.municipality_codes == ["1806", "5503", "1853", "5512"] for i in demo)
    notes = IndicatorValue.objects.values_list("source_note", flat=True)
    assert all(note.startswith("Eksempelverdier") for note in notes)


def test_demo_population_matches_the_sample_file(agreement):
    """The demo and the sample JSON-stat file use the same example numbers."""
    demo_indicators_load()
    sample = json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))
    per_year = [sum(sample["value"][r * 3 + t] for r in range(4)) for t in range(3)]
    population = Indicator.objects.get(name=DEMO_INDICATORS[0].name)
    stored = list(population.values.order_by("year").values_list("value", flat=True))
    assert stored == [Decimal(v) for v in per_year]


def test_demo_leaves_a_real_indicator_with_the_same_name_alone(agreement):
    real = Indicator.objects.create(
        agreement=agreement,
        long_term_effect=effect_of(agreement),
        name=DEMO_INDICATORS[0].name,
        unit="personer",
        source="SSB",
    )
    demo_indicators_load()
    assert not real.values.exists()
    real.refresh_from_db()
    assert not real.is_example


def test_demo_feedback_goes_to_the_example_mid_term_evaluation_only(agreement):
    real = Evaluation.objects.create(agreement=agreement, kind="mid_term", year=2026)
    demo_indicators_load()
    assert not Feedback.objects.exists()  # not example data: left alone

    real.is_example = True
    real.save()
    first = demo_indicators_load()
    second = demo_indicators_load()
    assert first.feedback_created == 4
    assert second.feedback_created == 0
    assert all(f.is_example for f in Feedback.objects.all())
    assert all("eksempel" in f.stakeholder.lower() for f in Feedback.objects.all())


def test_demo_without_the_agreement_does_nothing(db):
    result = demo_indicators_load()
    assert result.indicators_created == 0
    assert not Indicator.objects.exists()
