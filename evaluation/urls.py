from django.urls import path

from evaluation import views_feedback, views_indicators

app_name = "evaluation"

urlpatterns = [
    # Indicators and their values (owned by views_indicators).
    path(
        "avtaler/<slug:slug>/indikatorer/", views_indicators.indicator_list, name="indicator-list"
    ),
    path(
        "avtaler/<slug:slug>/indikatorer/ny/",
        views_indicators.indicator_create,
        name="indicator-create",
    ),
    path("indikatorer/<int:pk>/", views_indicators.indicator_detail, name="indicator-detail"),
    path("indikatorer/<int:pk>/endre/", views_indicators.indicator_edit, name="indicator-edit"),
    path(
        "indikatorer/<int:pk>/import/", views_indicators.indicator_import, name="indicator-import"
    ),
    # Feedback: the open form (no login, by secret token) and the coordinators' view of it.
    path("tilbakemelding/<str:token>/", views_feedback.feedback_form, name="feedback-form"),
    path(
        "evalueringer/<int:pk>/tilbakemeldinger/",
        views_feedback.feedback_list,
        name="feedback-list",
    ),
    path(
        "evalueringer/<int:pk>/tilbakemeldinger/apne/",
        views_feedback.feedback_toggle,
        name="feedback-toggle",
    ),
    # Evaluations and the report are added below (views.py).
]
