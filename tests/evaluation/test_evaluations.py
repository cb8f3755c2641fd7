"""The evaluation pages: the list, creating an evaluation (with its defaults from §6), editing
the texts and status, the assessment of each delmål, recommendations linked to the next plan,
the lock once final, and who may do what (a matrix over every view, user and method)."""

import pytest
from django.urls import reverse

from evaluation.models import Evaluation, Recommendation
from tests.factories import make_action

from ._evaluation_helpers import (
    XSS,
    assessment,
    build_history,
    new_evaluation,
    set_status,
)


@pytest.fixture
def history(agreement):
    return build_history(agreement)


@pytest.fixture
def evaluation(agreement, history):
    return new_evaluation(agreement, [history.plan])


@pytest.fixture
def recommendation(evaluation, history):
    made = Recommendation.objects.create(evaluation=evaluation, text="Færre tiltak.", order=1)
    made.actions.set([history.next_action])
    return made


# --- The list and creating ----------------------------------------------------------------


def test_the_list_shows_the_evaluations_with_their_plans(client_for, reader, agreement, evaluation):
    response = client_for(reader).get(reverse("evaluation:evaluation-list", args=[agreement.slug]))

    body = response.content.decode()
    assert response.status_code == 200
    assert evaluation.get_absolute_url() in body
    assert "Midtveisevaluering 2026" in body
    assert "2025–2026" in body
    assert reverse("evaluation:evaluation-create", args=[agreement.slug]) not in body


def test_the_create_form_suggests_the_mid_term_evaluation_of_plan_2025_2026(
    client_for, coordinator, agreement, history
):
    response = client_for(coordinator).get(
        reverse("evaluation:evaluation-create", args=[agreement.slug])
    )

    form = response.context["form"]
    assert form.initial["kind"] == "mid_term"
    assert form.initial["year"] == 2026
    assert form.initial["plans"] == [history.plan.pk]


def test_creating_with_the_defaults_covers_plan_2025_2026_and_takes_the_snapshot(
    client_for, coordinator, agreement, history
):
    response = client_for(coordinator).post(
        reverse("evaluation:evaluation-create", args=[agreement.slug]), {"kind": "mid_term"}
    )

    evaluation = Evaluation.objects.get(agreement=agreement)
    assert response.status_code == 302
    assert response["Location"] == evaluation.get_absolute_url()
    assert (evaluation.kind, evaluation.year, evaluation.status) == ("mid_term", 2026, "draft")
    assert list(evaluation.plans.all()) == [history.plan]
    assert evaluation.assessments.count() == 6
    assert evaluation.snapshot_taken_at is not None


def test_the_final_evaluation_defaults_to_2028_and_every_plan(
    client_for, coordinator, agreement, history
):
    client_for(coordinator).post(
        reverse("evaluation:evaluation-create", args=[agreement.slug]), {"kind": "final"}
    )

    evaluation = Evaluation.objects.get(agreement=agreement)
    assert evaluation.year == 2028
    assert list(evaluation.plans.order_by("start_year")) == [history.plan, history.next_plan]


def test_creating_twice_for_the_same_year_is_refused(
    client_for, coordinator, agreement, evaluation
):
    response = client_for(coordinator).post(
        reverse("evaluation:evaluation-create", args=[agreement.slug]),
        {"kind": "mid_term", "year": "2026"},
    )

    assert response.status_code == 200
    assert "Avtalen har allerede en slik evaluering dette året." in response.content.decode()
    assert Evaluation.objects.filter(agreement=agreement).count() == 1


def test_a_year_outside_the_agreement_and_another_agreements_plan_are_refused(
    client_for, coordinator, agreement, other_agreement
):
    from tests.factories import make_plan

    elsewhere = make_plan(other_agreement)
    response = client_for(coordinator).post(
        reverse("evaluation:evaluation-create", args=[agreement.slug]),
        {"kind": "mid_term", "year": "2031", "plans": [elsewhere.pk]},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Året må ligge i avtaleperioden (2025–2028)." in body
    assert "Velg bare handlingsplaner i denne avtalen." in body
    assert not Evaluation.objects.exists()


# --- Editing ------------------------------------------------------------------------------


def test_editing_the_texts_and_sending_for_review(client_for, coordinator, evaluation):
    response = client_for(coordinator).post(
        reverse("evaluation:evaluation-edit", args=[evaluation.pk]),
        {"summary": "Godt i gang.", "conclusions": "Fortsett.", "status": "in_review"},
    )

    evaluation.refresh_from_db()
    assert response.status_code == 302
    assert (evaluation.summary, evaluation.conclusions) == ("Godt i gang.", "Fortsett.")
    assert evaluation.status == "in_review"


def test_the_edit_form_cannot_make_an_evaluation_final(client_for, coordinator, evaluation):
    response = client_for(coordinator).post(
        reverse("evaluation:evaluation-edit", args=[evaluation.pk]),
        {"summary": "", "conclusions": "", "status": "final"},
    )

    evaluation.refresh_from_db()
    assert response.status_code == 200
    assert evaluation.status == "draft"


def test_assessing_a_sub_goal(client_for, coordinator, evaluation):
    target = assessment(evaluation, "1.2")

    response = client_for(coordinator).post(
        reverse("evaluation:assessment-edit", args=[target.pk]),
        {"rating": "2", "narrative": "Delvis nådd.", "evidence": "Statusrapporten."},
    )

    target.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == evaluation.get_absolute_url() + "#delmal-1-2"
    assert (target.rating, target.narrative, target.evidence) == (
        2,
        "Delvis nådd.",
        "Statusrapporten.",
    )


def test_the_assessment_form_offers_the_four_steps_and_shows_the_figures(
    client_for, coordinator, evaluation
):
    target = assessment(evaluation, "1.1")
    body = (
        client_for(coordinator)
        .get(reverse("evaluation:assessment-edit", args=[target.pk]))
        .content.decode()
    )

    for label in ("Ikke oppnådd", "Delvis oppnådd", "I stor grad oppnådd", "Oppnådd"):
        assert f">{label}</label>" in body
    assert "<dt>Milepæler</dt><dd>4</dd>" in body


def test_a_rating_off_the_scale_is_refused(client_for, coordinator, evaluation):
    target = assessment(evaluation, "1.1")

    response = client_for(coordinator).post(
        reverse("evaluation:assessment-edit", args=[target.pk]),
        {"rating": "5", "narrative": "", "evidence": ""},
    )

    target.refresh_from_db()
    assert response.status_code == 200
    assert target.rating is None


# --- Recommendations ----------------------------------------------------------------------


def test_a_recommendation_is_linked_to_actions_of_the_next_plan(
    client_for, coordinator, evaluation, history
):
    response = client_for(coordinator).post(
        reverse("evaluation:recommendation-create", args=[evaluation.pk]),
        {"text": "Samle boligtiltakene.", "order": "1", "actions": [history.next_action.pk]},
    )

    made = Recommendation.objects.get(evaluation=evaluation)
    assert response.status_code == 302
    assert made.text == "Samle boligtiltakene."
    assert list(made.actions.all()) == [history.next_action]


def test_the_form_offers_only_actions_of_the_next_plan(
    client_for, coordinator, evaluation, history
):
    response = client_for(coordinator).get(
        reverse("evaluation:recommendation-create", args=[evaluation.pk])
    )

    offered = list(response.context["form"].fields["actions"].queryset)
    assert offered == [history.next_action]


def test_an_action_of_the_covered_plan_is_refused(client_for, coordinator, evaluation, history):
    covered = history.ms["survey"].action

    response = client_for(coordinator).post(
        reverse("evaluation:recommendation-create", args=[evaluation.pk]),
        {"text": "Feil plan.", "order": "1", "actions": [covered.pk]},
    )

    assert response.status_code == 200
    assert not Recommendation.objects.exists()


def test_editing_and_deleting_a_recommendation(client_for, coordinator, recommendation, history):
    client = client_for(coordinator)
    other = make_action(history.next_plan, "1.2-9", "1.2", "Kompetanseprogram")

    client.post(
        reverse("evaluation:recommendation-edit", args=[recommendation.pk]),
        {"text": "Endret.", "order": "2", "actions": [other.pk]},
    )
    recommendation.refresh_from_db()
    assert (recommendation.text, recommendation.order) == ("Endret.", 2)
    assert list(recommendation.actions.all()) == [other]

    response = client.post(reverse("evaluation:recommendation-delete", args=[recommendation.pk]))
    assert response.status_code == 302
    assert not Recommendation.objects.exists()


def test_without_a_next_plan_the_form_says_so(client_for, coordinator, evaluation, history):
    history.next_plan.delete()

    body = (
        client_for(coordinator)
        .get(reverse("evaluation:recommendation-create", args=[evaluation.pk]))
        .content.decode()
    )

    assert "Handlingsplanen som kommer etter evalueringen er ikke laget ennå." in body


# --- Nothing changes once final -----------------------------------------------------------


def _final(evaluation):
    return set_status(evaluation, Evaluation.Status.FINAL)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evaluation:evaluation-edit", {"summary": "X", "conclusions": "X", "status": "draft"}),
        ("evaluation:assessment-edit", {"rating": "1", "narrative": "X", "evidence": "X"}),
        ("evaluation:recommendation-create", {"text": "X", "order": "1"}),
        ("evaluation:recommendation-edit", {"text": "X", "order": "1"}),
        ("evaluation:recommendation-delete", {}),
        ("evaluation:evaluation-refresh", {}),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_nothing_can_be_changed_once_final(
    client_for, admin_user, evaluation, recommendation, name, data, method
):
    _final(evaluation)
    pk = {
        "evaluation:assessment-edit": assessment(evaluation, "1.1").pk,
        "evaluation:recommendation-edit": recommendation.pk,
        "evaluation:recommendation-delete": recommendation.pk,
    }.get(name, evaluation.pk)
    client = client_for(admin_user)
    url = reverse(name, args=[pk])

    response = client.get(url) if method == "GET" else client.post(url, data)

    if response.status_code == 405:  # POST-only views
        assert method == "GET"
        return
    assert response.status_code == 302
    assert response["Location"] == evaluation.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert "Evalueringen er endelig og kan ikke endres." in page
    evaluation.refresh_from_db()
    assert (evaluation.summary, evaluation.status) == ("", "final")
    assert assessment(evaluation, "1.1").rating is None
    assert list(Recommendation.objects.values_list("text", flat=True)) == ["Færre tiltak."]


def test_a_final_evaluation_shows_no_edit_links(client_for, admin_user, evaluation):
    _final(evaluation)

    body = client_for(admin_user).get(evaluation.get_absolute_url()).content.decode()

    assert reverse("evaluation:evaluation-edit", args=[evaluation.pk]) not in body
    assert reverse("evaluation:evaluation-finalise", args=[evaluation.pk]) not in body
    assert "UTKAST" not in body


def test_user_text_is_inert_on_the_page(client_for, reader, evaluation):
    target = assessment(evaluation, "1.1")
    target.narrative = XSS
    target.save()

    body = client_for(reader).get(evaluation.get_absolute_url()).content.decode()

    assert XSS not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- Who may do what: in the permission matrix (tests/test_permission_matrix.py), with the
# regional council's coordinator (``council``) and the county-only «finalise» kind.


# --- The demo -----------------------------------------------------------------------------


def test_the_demo_evaluation_is_a_marked_draft_and_loads_once(agreement, settings):
    from io import StringIO

    from django.core.management import call_command

    from tromsvekst.demo.evaluation import demo_evaluation_load

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    output = StringIO()
    call_command("load_demo", stdout=output)  # users, plan 2025–2026, meetings, the evaluation
    again = demo_evaluation_load()

    evaluation = again.evaluation
    assert "Demo evaluation (example data): Midtveisevaluering 2026, created" in output.getvalue()
    assert again.created is False
    assert (evaluation.kind, evaluation.year, evaluation.status) == ("mid_term", 2026, "draft")
    assert evaluation.is_example
    assert [plan.period for plan in evaluation.plans.all()] == ["2025–2026"]
    narratives = list(evaluation.assessments.values_list("narrative", flat=True))
    assert len(narratives) == 6
    assert all(text.startswith("Eksempel: ") for text in narratives)
    assert evaluation.assessments.filter(rating__isnull=True).count() == 0
    assert evaluation.recommendations.count() == 2
    assert Evaluation.objects.count() == 1
