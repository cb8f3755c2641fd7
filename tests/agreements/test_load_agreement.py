"""``manage.py load_agreement``: loading again keeps the portal's edits, ``--reset`` restores the
text, and a broken file is refused as a whole."""

import copy
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agreements.models import (
    Agreement,
    AgreementParty,
    BasisDocument,
    CentralTheme,
    FocusArea,
    LongTermEffect,
    Party,
    ProcessEvent,
    Signatory,
    Strategy,
    SubGoal,
)

MODELS = [
    Agreement,
    Party,
    AgreementParty,
    Signatory,
    BasisDocument,
    FocusArea,
    SubGoal,
    Strategy,
    CentralTheme,
    LongTermEffect,
    ProcessEvent,
]
FIRST_STRATEGY_1_1 = (
    "Samarbeid for å utvikle hele Hålogalandsregionen, der byer og tettsteder fungerer som "
    "drivkrefter for hele sitt omland og hvor en i fellesskap møter boligutfordringene i regionen."
)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_agreement", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def strategy_1_1(agreement) -> Strategy:
    return Strategy.objects.get(sub_goal__agreement=agreement, sub_goal__code="1.1", order=1)


def test_loading_twice_leaves_one_agreement_and_the_same_rows(db, agreement_file):
    first = load(str(agreement_file))
    counts = row_counts()
    second = load(str(agreement_file))

    assert "Tromsvekstavtalen for Hålogalandsregionen: " in first
    assert "0 created, 0 updated, 0 deleted" in second
    assert row_counts() == counts
    assert counts == {
        "Agreement": 1,
        "Party": 2,
        "AgreementParty": 2,
        "Signatory": 2,
        "BasisDocument": 8,
        "FocusArea": 4,
        "SubGoal": 6,
        "Strategy": 20,
        "CentralTheme": 5,
        "LongTermEffect": 13,
        "ProcessEvent": 11,
    }


def test_without_arguments_the_command_loads_the_shipped_agreements(db):
    load()

    assert list(Agreement.objects.values_list("slug", flat=True)) == ["halogaland"]
    assert Strategy.objects.count() == 20


def test_an_edit_made_in_the_portal_survives_loading_again(agreement, strategy_1_1, agreement_file):
    strategy_1_1.text = "Redigert i portalen."
    strategy_1_1.save()
    agreement.overall_goal = "Et redigert mål."
    agreement.save()
    extra = Strategy.objects.create(
        sub_goal=strategy_1_1.sub_goal, order=3, text="En strategi lagt til i portalen."
    )

    load(str(agreement_file))

    strategy_1_1.refresh_from_db()
    agreement.refresh_from_db()
    assert strategy_1_1.text == "Redigert i portalen."
    assert agreement.overall_goal == "Et redigert mål."
    assert Strategy.objects.filter(pk=extra.pk).exists()


def test_reset_restores_the_text_and_removes_what_the_file_lacks(
    agreement, strategy_1_1, agreement_file
):
    strategy_1_1.text = "Redigert i portalen."
    strategy_1_1.save()
    agreement.overall_goal = "Et redigert mål."
    agreement.save()
    extra = Strategy.objects.create(
        sub_goal=strategy_1_1.sub_goal, order=3, text="En strategi lagt til i portalen."
    )

    out = load(str(agreement_file), "--reset")

    strategy_1_1.refresh_from_db()
    agreement.refresh_from_db()
    assert strategy_1_1.text == FIRST_STRATEGY_1_1
    assert agreement.overall_goal.startswith("Skape samhandling for Hålogalandsregionen")
    assert not Strategy.objects.filter(pk=extra.pk).exists()
    assert Strategy.objects.filter(sub_goal__agreement=agreement).count() == 20
    assert "2 updated, 1 deleted" in out


def test_reset_keeps_the_rows_so_that_what_points_at_them_survives(agreement, agreement_file):
    strategy_pks = set(Strategy.objects.values_list("pk", flat=True))
    goal_pks = set(SubGoal.objects.values_list("pk", flat=True))

    load(str(agreement_file), "--reset")

    assert set(Strategy.objects.values_list("pk", flat=True)) == strategy_pks
    assert set(SubGoal.objects.values_list("pk", flat=True)) == goal_pks


# --- Broken files -----------------------------------------------------------------------------


def _break(data: dict, case: str):
    """A copy of the agreement file broken in one way; most break late, after much is written."""
    data = copy.deepcopy(data)
    if case == "last process step without text":
        del data["process_events"][-1]["text"]
    elif case == "impossible date":
        data["process_events"][-1]["date"] = "2025-06-31"
    elif case == "strategy that is a number":
        data["focus_areas"][3]["sub_goals"][0]["strategies"][2] = 42
    elif case == "signatory of an unknown party":
        data["signatories"][1]["party"] = "ukjent-regionrad"
    elif case == "focus area number 0":
        data["focus_areas"][3]["number"] = 0
    elif case == "no central themes":
        del data["central_themes"]
    elif case == "wrong format":
        data["format"] = "something-else/2"
    elif case == "not an object":
        return [data]
    return data


@pytest.fixture
def agreement_data(agreement_file) -> dict:
    return json.loads(agreement_file.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("last process step without text", "'text'"),
        ("impossible date", "day is out of range"),
        ("strategy that is a number", "malformed"),
        ("signatory of an unknown party", "'ukjent-regionrad' is not a party to the agreement"),
        ("focus area number 0", "malformed"),
        ("no central themes", "'central_themes'"),
        ("wrong format", "not a tromsvekst-agreement/1 file"),
        ("not an object", "not a tromsvekst-agreement/1 file"),
    ],
)
def test_a_broken_file_is_refused_and_nothing_is_saved(db, agreement_data, tmp_path, case, message):
    path = tmp_path / "tromsvekstavtalen-brutt.json"
    path.write_text(json.dumps(_break(agreement_data, case)), encoding="utf-8")

    with pytest.raises(CommandError) as error:
        load(str(path))

    assert message in str(error.value)
    assert set(row_counts().values()) == {0}


def test_a_broken_reset_leaves_the_portal_s_edits_as_they_were(
    agreement, strategy_1_1, agreement_data, tmp_path
):
    strategy_1_1.text = "Redigert i portalen."
    strategy_1_1.save()
    counts = row_counts()
    del agreement_data["process_events"][-1]["text"]
    path = tmp_path / "brutt.json"
    path.write_text(json.dumps(agreement_data), encoding="utf-8")

    with pytest.raises(CommandError, match="malformed"):
        load(str(path), "--reset")

    strategy_1_1.refresh_from_db()
    assert strategy_1_1.text == "Redigert i portalen."
    assert row_counts() == counts


def test_a_file_that_is_not_json_is_refused_with_its_name(db, tmp_path):
    path = tmp_path / "tromsvekstavtalen-tom.json"
    path.write_text('{"format": "tromsvekst-agreement/1", ', encoding="utf-8")

    with pytest.raises(CommandError, match="tromsvekstavtalen-tom.json"):
        load(str(path))


def test_a_missing_file_is_refused_with_its_name(db, tmp_path):
    with pytest.raises(CommandError, match="finnes-ikke.json"):
        load(str(tmp_path / "finnes-ikke.json"))
