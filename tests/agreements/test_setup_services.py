"""agreements/setup.py, the services behind the set-up pages: whole numbering after every move
and removal, the loader's dict from a pasted text, and revisions kept only for adopted
agreements."""

from agreements import setup
from agreements.models import Agreement, AgreementRevision, FocusArea, Strategy, SubGoal
from agreements.parse import parse_agreement_text
from tests.helpers.agreement_setup import HALOGALAND_TEXT


def _codes(agreement) -> list[tuple[int, str, int]]:
    return list(
        SubGoal.objects.filter(agreement=agreement)
        .order_by("focus_area__number", "order")
        .values_list("focus_area__number", "code", "order")
    )


def test_moving_a_delmal_swaps_its_code_and_keeps_its_strategies(agreement):
    goal = SubGoal.objects.get(agreement=agreement, code="1.3")
    strategies = list(goal.strategies.values_list("pk", flat=True))
    assert setup.item_move(setup.KINDS["delmal"], goal, up=True)
    goal.refresh_from_db()
    assert (goal.code, goal.order) == ("1.2", 2)
    assert list(goal.strategies.values_list("pk", flat=True)) == strategies
    assert _codes(agreement)[:3] == [(1, "1.1", 1), (1, "1.2", 2), (1, "1.3", 3)]
    assert SubGoal.objects.get(agreement=agreement, code="1.3").text.startswith("Sikre")


def test_the_last_cannot_move_down(agreement):
    last = FocusArea.objects.get(agreement=agreement, number=4)
    assert not setup.item_move(setup.KINDS["innsatsomrade"], last, up=False)
    last.refresh_from_db()
    assert last.number == 4


def test_removing_an_innsatsomrade_renumbers_the_rest_and_their_delmal(agreement):
    setup.item_delete(
        setup.KINDS["innsatsomrade"], FocusArea.objects.get(agreement=agreement, number=2)
    )
    assert list(agreement.focus_areas.values_list("number", "title")) == [
        (1, "Befolkningsutvikling"),
        (
            2,
            "Grønn omstilling og kommunenes rolle i arbeidet med klimatilpasning og omstilling til lavutslippssamfunn",
        ),
        (3, "Forsvaret"),
    ]
    assert [code for _, code, _ in _codes(agreement)] == ["1.1", "1.2", "1.3", "2.1", "3.1"]
    assert Strategy.objects.filter(sub_goal__agreement=agreement).count() == 17


def test_adding_items_puts_them_last(agreement):
    area = setup.item_add(setup.KINDS["innsatsomrade"], agreement, {"title": "Kultur"})
    goal = setup.item_add(setup.KINDS["delmal"], area, {"text": "Mer kultur."})
    strategy = setup.item_add(
        setup.KINDS["strategi"], goal, {"text": "Støtte festivaler.", "note": "", "note_url": ""}
    )
    assert (area.number, goal.code, strategy.label) == (5, "5.1", "5.1.1")
    theme = setup.item_add(setup.KINDS["tema"], agreement, {"text": "Kultur."})
    assert theme.order == 6


def test_the_loaders_dict_keeps_the_agreements_own_facts(agreement):
    data = setup.load_data(agreement, parse_agreement_text(HALOGALAND_TEXT).data)
    assert data["slug"] == "halogaland" and data["title"] == agreement.title
    assert [p["slug"] for p in data["parties"]] == ["troms-fylkeskommune", "halogalandsradet"]
    assert [s["party"] for s in data["signatories"]] == ["troms-fylkeskommune", "halogalandsradet"]
    assert len(data["basis_documents"]) == 8
    # Two signatories in the text, one party: the agreement keeps its own signatories.
    parsed = parse_agreement_text(HALOGALAND_TEXT).data
    parsed["signatories"] = parsed["signatories"][:1]
    kept = setup.load_data(agreement, parsed)["signatories"]
    assert [s["name"] for s in kept] == ["Kristina Torbergsen", "Rune Edvardsen"]


def test_revisions_only_for_an_adopted_agreement(agreement, coordinator):
    goal = SubGoal.objects.get(agreement=agreement, code="2.1")
    with setup.keeping_revisions(agreement, coordinator):
        goal.text = "Nytt delmål."
        goal.save()
    revision = AgreementRevision.objects.get()
    assert (revision.subject, revision.old_text[:8], revision.new_text) == (
        "Delmål 2.1",
        "Styrket ",
        "Nytt delmål.",
    )
    agreement.status = Agreement.Status.DRAFT
    agreement.save()
    with setup.keeping_revisions(agreement, coordinator):
        goal.text = "Enda et."
        goal.save()
    assert AgreementRevision.objects.count() == 1


def test_pasting_the_same_text_over_the_loaded_agreement_changes_nothing(agreement, coordinator):
    before = setup.text_snapshot(agreement)
    setup.paste_save(agreement, parse_agreement_text(HALOGALAND_TEXT).data, by=coordinator)
    assert setup.text_snapshot(agreement) == before
    assert not AgreementRevision.objects.exists()
