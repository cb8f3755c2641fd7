from django.urls import path
from django.views.generic import RedirectView

from actionplans import (
    views,
    views_agenda,
    views_attachments,
    views_brief,
    views_dashboard,
    views_edit,
    views_excel,
    views_mine,
    views_plan_create,
)
from tromsvekst.lib import converters  # noqa: F401  (registers <id:…>, <token:…>, <year:…>)

app_name = "actionplans"

urlpatterns = [
    path("avtaler/<slug:slug>/oversikt/", views_dashboard.dashboard, name="dashboard"),
    path("avtaler/<slug:slug>/fremdrift/", views_dashboard.public_progress, name="public-progress"),
    path(
        "avtaler/<slug:slug>/fremdrift/offentlig/",
        views_dashboard.public_progress_toggle,
        name="public-progress-toggle",
    ),
    path("avtaler/<slug:slug>/handlingsplaner/", views.plan_list, name="plan-list"),
    path(
        "avtaler/<slug:slug>/handlingsplaner/ny/",
        views_plan_create.plan_create,
        name="plan-create",
    ),
    path("handlingsplaner/<id:pk>/", views.plan_detail, name="plan-detail"),
    path("handlingsplaner/<id:pk>/neste/", views_edit.plan_carry_over, name="plan-carry-over"),
    path("handlingsplaner/<id:pk>/excel/", views_excel.plan_export, name="plan-export"),
    path("handlingsplaner/<id:pk>/import/", views_excel.plan_import, name="plan-import"),
    path(
        "handlingsplaner/<id:pk>/import/bekreft/",
        views_excel.plan_import_confirm,
        name="plan-import-confirm",
    ),
    path("handlingsplaner/<id:pk>/tiltak/nytt/", views_edit.action_create, name="action-create"),
    path("tiltak/<id:pk>/endre/", views_edit.action_edit, name="action-edit"),
    path("tiltak/<id:pk>/milepaeler/ny/", views_edit.milestone_create, name="milestone-create"),
    path("mine-milepaeler/", views_mine.my_milestones_page, name="my-milestones"),
    path("milepaeler/<id:pk>/", views.milestone_detail, name="milestone-detail"),
    path("milepaeler/<id:pk>/endre/", views_edit.milestone_edit, name="milestone-edit"),
    path("milepaeler/<id:pk>/slett/", views_edit.milestone_delete, name="milestone-delete"),
    path("milepaeler/<id:pk>/status/", views.progress_log, name="progress-log"),
    # A meeting's agenda items, under the meeting's own address (agreements.urls, /avtaler/).
    path(
        "avtaler/moter/<id:pk>/saker/ny/",
        views_agenda.agenda_item_create,
        name="agenda-item-create",
    ),
    path("avtaler/saker/<id:pk>/endre/", views_agenda.agenda_item_edit, name="agenda-item-edit"),
    path("avtaler/moter/<id:pk>/brief/", views_brief.meeting_brief, name="meeting-brief"),
    path(
        "avtaler/moter/<id:pk>/brief.pdf", views_brief.meeting_brief_pdf, name="meeting-brief-pdf"
    ),
    # Documents attached to meetings and milestones (actionplans/views_attachments.py).
    path(
        "avtaler/moter/<id:pk>/dokumenter/ny/",
        views_attachments.meeting_attachment_add,
        name="meeting-attachment-add",
    ),
    path(
        "milepaeler/<id:pk>/dokumenter/ny/",
        views_attachments.milestone_attachment_add,
        name="milestone-attachment-add",
    ),
    path(
        "avtaler/dokumenter/<id:pk>/",
        views_attachments.attachment_download,
        name="attachment-download",
    ),
    path(
        "avtaler/dokumenter/<id:pk>/slett/",
        views_attachments.attachment_delete,
        name="attachment-delete",
    ),
    # The brief's first addresses, in e-mails and bookmarks from before 2026-12: moved for good.
    path(
        "moter/<id:pk>/brief/",
        RedirectView.as_view(
            pattern_name="actionplans:meeting-brief", permanent=True, query_string=True
        ),
        name="meeting-brief-old",
    ),
    path(
        "moter/<id:pk>/brief.pdf",
        RedirectView.as_view(
            pattern_name="actionplans:meeting-brief-pdf", permanent=True, query_string=True
        ),
        name="meeting-brief-pdf-old",
    ),
]
