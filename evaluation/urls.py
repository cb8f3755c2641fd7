from django.urls import path

from evaluation import views, views_feedback, views_indicators, views_search
from tromsvekst.lib import converters  # noqa: F401  (registers <id:…>, <token:…>, <year:…>)

app_name = "evaluation"

urlpatterns = [
    # Search across everything a person may read (evaluation/search.py).
    path("sok/", views_search.search, name="search"),
    # Indicators and their values (owned by views_indicators).
    path(
        "avtaler/<slug:slug>/indikatorer/", views_indicators.indicator_list, name="indicator-list"
    ),
    path(
        "avtaler/<slug:slug>/indikatorer/ny/",
        views_indicators.indicator_create,
        name="indicator-create",
    ),
    path("indikatorer/<id:pk>/", views_indicators.indicator_detail, name="indicator-detail"),
    path("indikatorer/<id:pk>/endre/", views_indicators.indicator_edit, name="indicator-edit"),
    path("indikatorer/<id:pk>/import/", views_indicators.indicator_import, name="indicator-import"),
    path(
        "indikatorer/<id:pk>/import/<id:draft>/",
        views_indicators.indicator_import_draft,
        name="indicator-import-draft",
    ),
    path("indikatorer/<id:pk>/hent/", views_indicators.indicator_fetch, name="indicator-fetch"),
    path(
        "indikatorer/<id:pk>/verdier/ny/",
        views_indicators.indicator_value_add,
        name="indicator-value-add",
    ),
    path(
        "indikatorer/<id:pk>/verdier/<year:year>/",
        views_indicators.indicator_value_edit,
        name="indicator-value-edit",
    ),
    path(
        "indikatorer/<id:pk>/verdier/<year:year>/slett/",
        views_indicators.indicator_value_delete,
        name="indicator-value-delete",
    ),
    # Feedback: the open form (no login, by secret token) and the coordinators' view of it.
    path("tilbakemelding/<token:token>/", views_feedback.feedback_form, name="feedback-form"),
    path(
        "evalueringer/<id:pk>/tilbakemeldinger/",
        views_feedback.feedback_list,
        name="feedback-list",
    ),
    path(
        "evalueringer/<id:pk>/tilbakemeldinger/apne/",
        views_feedback.feedback_toggle,
        name="feedback-toggle",
    ),
    path(
        "evalueringer/<id:pk>/tilbakemeldinger/ny-lenke/",
        views_feedback.feedback_rotate,
        name="feedback-rotate",
    ),
    # Evaluations and the report are added below (views.py).
    path("avtaler/<slug:slug>/evalueringer/", views.evaluation_list, name="evaluation-list"),
    path(
        "avtaler/<slug:slug>/evalueringer/ny/",
        views.evaluation_create,
        name="evaluation-create",
    ),
    path("evalueringer/<id:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path("evalueringer/<id:pk>/endre/", views.evaluation_edit, name="evaluation-edit"),
    path("evalueringer/<id:pk>/rapport.pdf", views.evaluation_pdf, name="evaluation-pdf"),
    path("evalueringer/<id:pk>/hent-tall/", views.snapshot_refresh, name="evaluation-refresh"),
    path(
        "evalueringer/<id:pk>/ferdigstill/",
        views.evaluation_finalise,
        name="evaluation-finalise",
    ),
    path("vurderinger/<id:pk>/endre/", views.assessment_edit, name="assessment-edit"),
    path(
        "evalueringer/<id:pk>/anbefalinger/ny/",
        views.recommendation_create,
        name="recommendation-create",
    ),
    path("anbefalinger/<id:pk>/endre/", views.recommendation_edit, name="recommendation-edit"),
    path(
        "anbefalinger/<id:pk>/slett/",
        views.recommendation_delete,
        name="recommendation-delete",
    ),
]
