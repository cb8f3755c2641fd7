"""A single indicator value by hand: added, corrected and deleted with a reason, each change in
the history (who, when, why, old and new value) shown on the indicator's page; imports are in
the history too. Bad input changes nothing."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from evaluation.models import IndicatorValue, IndicatorValueChange
from tests.factories import make_indicator
from tromsvekst.audit.models import AuditEntry

Kind = IndicatorValueChange.Kind


@pytest.fixture
def indicator(agreement):
    indicator = make_indicator(agreement)
    IndicatorValue.objects.create(
        indicator=indicator, year=2023, value=Decimal("52202"), source_note="SSB tabell 07459"
    )
    return indicator


@pytest.fixture
def coordinator_client(client_for, coordinator):
    return client_for(coordinator)


def add_url(indicator) -> str:
    return reverse("evaluation:indicator-value-add", args=[indicator.pk])


def edit_url(indicator, year: int) -> str:
    return reverse("evaluation:indicator-value-edit", args=[indicator.pk, year])


def delete_url(indicator, year: int) -> str:
    return reverse("evaluation:indicator-value-delete", args=[indicator.pk, year])


def stored(indicator) -> dict[int, tuple[Decimal, str]]:
    return {v.year: (v.value, v.source_note) for v in indicator.values.order_by("year")}


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --------------------------------------------------------------------------------------------
# Adding


def test_a_value_is_added_with_its_history(coordinator_client, coordinator, indicator):
    response = coordinator_client.post(
        add_url(indicator),
        {
            "year": "2024",
            "value": "52 305,5",
            "source_note": "Troms i tall",
            "reason": "Tallet kom før SSB publiserte",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:indicator-detail", args=[indicator.pk])
    assert "Verdien for 2024 er lagt til." in messages_of(response)
    assert stored(indicator)[2024] == (Decimal("52305.5"), "Troms i tall")
    change = IndicatorValueChange.objects.get(indicator=indicator)
    assert (change.year, change.kind, change.old_value, change.new_value) == (
        2024,
        Kind.ADD,
        None,
        Decimal("52305.5"),
    )
    assert change.changed_by == coordinator
    assert change.reason == "Tallet kom før SSB publiserte"


def test_a_year_that_has_a_value_is_not_added_twice(coordinator_client, indicator):
    response = coordinator_client.post(
        add_url(indicator), {"year": "2023", "value": "1", "reason": ""}
    )

    assert response.status_code == 200
    assert "2023 har en verdi fra før. Rett den verdien i stedet." in response.content.decode()
    assert stored(indicator) == {2023: (Decimal("52202"), "SSB tabell 07459")}
    assert not IndicatorValueChange.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"year": "1800", "value": "5"}, "Skriv et årstall mellom 1900 og 2100."),
        ({"year": "tjuefire", "value": "5"}, "Skriv et årstall mellom 1900 og 2100."),
        ({"year": "2024", "value": "mange"}, "Skriv et tall, for eksempel 52 390 eller 3,5."),
        ({"year": "2024", "value": ""}, "Fyll ut feltet."),
        ({"year": "", "value": "5"}, "Fyll ut feltet."),
    ],
)
def test_bad_input_is_refused_in_norwegian(coordinator_client, indicator, data, message):
    response = coordinator_client.post(add_url(indicator), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Skjemaet er ikke lagret." in page
    assert indicator.values.count() == 1
    assert not IndicatorValueChange.objects.exists()


# --------------------------------------------------------------------------------------------
# Correcting and deleting


def test_a_value_is_corrected_with_a_reason(coordinator_client, coordinator, indicator):
    page = coordinator_client.get(edit_url(indicator, 2023)).content.decode()
    assert "Lagret nå: 52\xa0202 personer." in page

    response = coordinator_client.post(
        edit_url(indicator, 2023),
        {"value": "52210", "source_note": "SSB tabell 07459, rettet", "reason": "SSB rettet"},
    )

    assert response.status_code == 302
    assert "Verdien for 2023 er rettet." in messages_of(response)
    assert stored(indicator) == {2023: (Decimal("52210"), "SSB tabell 07459, rettet")}
    change = IndicatorValueChange.objects.get()
    assert (change.kind, change.old_value, change.new_value, change.reason) == (
        Kind.CHANGE,
        Decimal("52202"),
        Decimal("52210"),
        "SSB rettet",
    )
    assert change.changed_by == coordinator


def test_a_correction_needs_a_reason(coordinator_client, indicator):
    response = coordinator_client.post(
        edit_url(indicator, 2023), {"value": "1", "source_note": "", "reason": "  "}
    )

    assert response.status_code == 200
    assert "Skriv hvorfor." in response.content.decode()
    assert stored(indicator) == {2023: (Decimal("52202"), "SSB tabell 07459")}
    assert not IndicatorValueChange.objects.exists()


def test_a_value_is_deleted_after_a_confirmation_with_a_reason(coordinator_client, indicator):
    page = coordinator_client.get(delete_url(indicator, 2023))
    assert page.status_code == 200
    assert "Slett verdien for 2023" in page.content.decode()
    assert indicator.values.count() == 1  # a GET changes nothing

    refused = coordinator_client.post(delete_url(indicator, 2023), {"reason": ""})
    assert refused.status_code == 200
    assert "Skriv hvorfor." in refused.content.decode()
    assert indicator.values.count() == 1

    response = coordinator_client.post(delete_url(indicator, 2023), {"reason": "Feil tabell"})

    assert response.status_code == 302
    assert "Verdien for 2023 er slettet." in messages_of(response)
    assert not indicator.values.exists()
    change = IndicatorValueChange.objects.get()
    assert (change.kind, change.year, change.old_value, change.new_value) == (
        Kind.DELETE,
        2023,
        Decimal("52202"),
        None,
    )
    assert change.source_note == "SSB tabell 07459"  # the deleted value's note is kept


def test_a_year_without_a_value_cannot_be_corrected_or_deleted(coordinator_client, indicator):
    assert coordinator_client.get(edit_url(indicator, 2024)).status_code == 404
    assert coordinator_client.post(delete_url(indicator, 2024), {"reason": "x"}).status_code == 404
    assert indicator.values.count() == 1


def test_a_value_of_another_indicator_is_not_reached(coordinator_client, agreement, indicator):
    other = make_indicator(agreement, name="Annen")
    response = coordinator_client.post(edit_url(other, 2023), {"value": "1", "reason": "x"})
    assert response.status_code == 404
    assert stored(indicator)[2023][0] == Decimal("52202")


# --------------------------------------------------------------------------------------------
# The history on the indicator's page


def test_the_page_shows_the_history_newest_first(coordinator_client, coordinator, indicator):
    coordinator_client.post(add_url(indicator), {"year": "2024", "value": "1", "reason": ""})
    coordinator_client.post(edit_url(indicator, 2024), {"value": "2", "reason": "Skrivefeil"})
    coordinator_client.post(delete_url(indicator, 2023), {"reason": "Gammel tabell"})

    page = coordinator_client.get(
        reverse("evaluation:indicator-detail", args=[indicator.pk])
    ).content.decode()

    history = page[page.index("Historikk for verdiene") :]
    assert history.index("Slettet") < history.index("Rettet") < history.index("Lagt til")
    assert "Gammel tabell" in history and "Skrivefeil" in history
    assert coordinator.get_full_name() in history
    assert list(IndicatorValueChange.objects.values_list("kind", flat=True)) == [
        Kind.DELETE,
        Kind.CHANGE,
        Kind.ADD,
    ]


def test_changes_by_hand_are_in_the_audit_log(coordinator_client, indicator):
    coordinator_client.post(edit_url(indicator, 2023), {"value": "7", "reason": "Rettet"})

    models = {
        (entry.content_type.model, entry.action, entry.agreement_pk)
        for entry in AuditEntry.objects.select_related("content_type")
    }
    assert ("indicatorvalue", AuditEntry.Action.CHANGED, indicator.agreement_id) in models
    assert ("indicatorvaluechange", AuditEntry.Action.CREATED, indicator.agreement_id) in models


def test_readers_may_not_change_values(client_for, reader, indicator):
    client = client_for(reader)
    assert client.post(add_url(indicator), {"year": "2024", "value": "1"}).status_code == 403
    assert client.post(delete_url(indicator, 2023), {"reason": "x"}).status_code == 403
    assert indicator.values.count() == 1
    assert not IndicatorValueChange.objects.exists()
