from django.urls import path

from agreements import views, views_calendar, views_invitations, views_meetings, views_setup
from tromsvekst.lib import converters  # noqa: F401  (registers <id:…>, <token:…>, <year:…>)

app_name = "agreements"

urlpatterns = [
    path("", views.agreement_list, name="agreement-list"),
    # Setting up an agreement (issue #16); "ny" is reserved, no agreement may take it as slug.
    path("ny/", views_setup.setup_create, name="setup-create"),
    path("<slug:slug>/", views.agreement_detail, name="agreement-detail"),
    path("<slug:slug>/endringer/", views_setup.revision_list, name="revision-list"),
    path("<slug:slug>/oppsett/", views_setup.setup_overview, name="setup"),
    path("<slug:slug>/oppsett/avtalen/", views_setup.setup_texts, name="setup-texts"),
    path("<slug:slug>/oppsett/lim-inn/", views_setup.setup_paste, name="setup-paste"),
    path("<slug:slug>/oppsett/parter/ny/", views_setup.setup_party_add, name="setup-party-add"),
    path("<slug:slug>/oppsett/<slug:kind>/ny/", views_setup.setup_item_add, name="setup-item-add"),
    path("oppsett/<slug:kind>/<id:pk>/", views_setup.setup_item_edit, name="setup-item-edit"),
    path("oppsett/<slug:kind>/<id:pk>/flytt/", views_setup.setup_item_move, name="setup-item-move"),
    path(
        "oppsett/<slug:kind>/<id:pk>/fjern/",
        views_setup.setup_item_delete,
        name="setup-item-delete",
    ),
    # Coordinators and readers of an agreement.
    path("<slug:slug>/koordinatorer/", views_meetings.coordinator_list, name="coordinator-list"),
    path(
        "<slug:slug>/koordinatorer/ny/",
        views_meetings.coordinator_create,
        name="coordinator-create",
    ),
    path("koordinatorer/<id:pk>/endre/", views_meetings.coordinator_edit, name="coordinator-edit"),
    path(
        "koordinatorer/<id:pk>/fjern/",
        views_meetings.coordinator_delete,
        name="coordinator-delete",
    ),
    # Invitations: the person's answer (by signed link, no login) and a coordinator's withdrawal.
    path("invitasjon/<token:token>/", views_invitations.invitation_respond, name="invitation"),
    path(
        "invitasjoner/<id:pk>/trekk-tilbake/",
        views_invitations.invitation_withdraw,
        name="invitation-withdraw",
    ),
    # Meetings (§5.1).
    path("<slug:slug>/moter/", views_meetings.meeting_schedule, name="meeting-schedule"),
    path(
        "<slug:slug>/moter/planlegg/<year:year>/",
        views_meetings.meeting_plan_year,
        name="meeting-plan-year",
    ),
    path("<slug:slug>/moter/nytt/", views_meetings.meeting_create, name="meeting-create"),
    path("moter/<id:pk>/", views_meetings.meeting_detail, name="meeting-detail"),
    path("moter/<id:pk>/endre/", views_meetings.meeting_edit, name="meeting-edit"),
    # A meeting's agenda items (moter/<pk>/saker/ny/, saker/<pk>/endre/): actionplans.urls.
    path("saker/<id:pk>/vedtak/nytt/", views_meetings.decision_create, name="decision-create"),
    path("vedtak/<id:pk>/endre/", views_meetings.decision_edit, name="decision-edit"),
    path("vedtak/<id:pk>/oppgaver/ny/", views_meetings.task_create, name="task-create"),
    path("oppgaver/<id:pk>/utfort/", views_meetings.task_toggle, name="task-toggle"),
    # Calendar.
    path("<slug:slug>/kalender/ny-lenke/", views_calendar.calendar_rotate, name="calendar-rotate"),
    path("kalender/<token:token>.ics", views_calendar.calendar_feed, name="calendar-feed"),
    path("moter/<id:pk>/kalender.ics", views_calendar.meeting_ics, name="meeting-ics"),
]
