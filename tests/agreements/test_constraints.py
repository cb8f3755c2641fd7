"""The rules the database and the model validation keep, whoever writes the data."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from agreements.models import Agreement, FocusArea, Strategy, SubGoal


def test_a_focus_area_number_is_used_once_per_agreement(agreement):
    with pytest.raises(IntegrityError), transaction.atomic():
        FocusArea.objects.create(agreement=agreement, number=2, title="Et annet område 2")

    assert agreement.focus_areas.filter(number=2).count() == 1


def test_a_sub_goal_code_is_used_once_per_agreement(agreement):
    area = agreement.focus_areas.get(number=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        SubGoal.objects.create(agreement=agreement, focus_area=area, code="1.2", text="Et annet")

    assert agreement.sub_goals.filter(code="1.2").count() == 1


def test_another_agreement_may_use_the_same_numbers_and_codes(agreement, other_agreement):
    area = FocusArea.objects.create(agreement=other_agreement, number=2, title="Planarbeid")
    goal = SubGoal(agreement=other_agreement, focus_area=area, code="2.1", text="Bedre planer.")
    goal.full_clean()
    goal.save()

    assert SubGoal.objects.filter(code="2.1").count() == 2
    assert FocusArea.objects.filter(number=2).count() == 2
    assert set(SubGoal.objects.filter(code="1.1").values_list("agreement__slug", flat=True)) == {
        "halogaland",
        "nord-troms",
    }


def test_an_agreement_cannot_end_before_it_starts(db):
    agreement = Agreement(
        slug="baklengs", title="Baklengs", start_year=2028, end_year=2025, overall_goal="Mål."
    )

    with pytest.raises(ValidationError) as error:
        agreement.full_clean()
    assert "Siste år kan ikke være før første år." in str(error.value)

    with pytest.raises(IntegrityError), transaction.atomic():
        agreement.save()
    assert not Agreement.objects.filter(slug="baklengs").exists()


def test_a_one_year_agreement_is_fine(db):
    agreement = Agreement(
        slug="ett-ar", title="Ett år", start_year=2026, end_year=2026, overall_goal="Mål."
    )
    agreement.full_clean()
    agreement.save()


@pytest.mark.parametrize("code", ["1", "1.", "1.0", "0.1", "1.2.3", "a.b", "1,2", " 1.4", "1.4\n"])
def test_a_malformed_sub_goal_code_is_rejected(agreement, code):
    goal = SubGoal(
        agreement=agreement, focus_area=agreement.focus_areas.get(number=1), code=code, text="Mål."
    )

    with pytest.raises(ValidationError) as error:
        goal.full_clean()
    assert "code" in error.value.message_dict


def test_a_sub_goal_code_must_start_with_its_focus_area_number(agreement):
    goal = SubGoal(
        agreement=agreement, focus_area=agreement.focus_areas.get(number=1), code="2.4", text="Mål."
    )

    with pytest.raises(ValidationError) as error:
        goal.full_clean()
    assert error.value.message_dict["code"] == ["Koden må begynne med innsatsområdets nummer (1.)."]


def test_a_sub_goal_cannot_use_a_focus_area_of_another_agreement(agreement, other_agreement):
    foreign_area = other_agreement.focus_areas.get(number=1)
    goal = SubGoal(agreement=agreement, focus_area=foreign_area, code="1.9", text="Mål.")

    with pytest.raises(ValidationError) as error:
        goal.full_clean()
    assert error.value.message_dict["focus_area"] == [
        "Innsatsområdet hører til en annen avtale enn delmålet."
    ]


def test_a_well_formed_sub_goal_passes_validation(agreement):
    goal = SubGoal(
        agreement=agreement, focus_area=agreement.focus_areas.get(number=1), code="1.4", text="Mål."
    )
    goal.full_clean()


def test_two_strategies_cannot_share_a_place_under_one_sub_goal(agreement):
    goal = agreement.sub_goals.get(code="1.1")

    with pytest.raises(IntegrityError), transaction.atomic():
        Strategy.objects.create(sub_goal=goal, order=1, text="En strategi til på plass 1.")

    assert goal.strategies.count() == 2
