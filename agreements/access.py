"""Access checks for the agreement's internal pages (coordinators, meetings, follow-up tasks).

The one rule for the internal pages of every app (``actionplans`` and ``evaluation`` import it
from here): anonymous users are sent to login, a logged-in
user without a role in the agreement gets 404 (so that other agreements' meetings cannot even be
discovered), and a reader who tries to change something gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from agreements import rules
from agreements.models import AgendaItem, Agreement, Meeting
from tromsvekst.lib.access import LoginNeeded


def check_agreement_access(request: HttpRequest, agreement: Agreement, *, edit: bool) -> None:
    if not request.user.is_authenticated:
        raise LoginNeeded
    if not rules.can_view_internal(request.user, agreement):
        raise Http404
    if edit and not rules.can_edit_agreement(request.user, agreement):
        raise PermissionDenied


def get_agreement_for_user(request: HttpRequest, slug: str, *, edit: bool = False) -> Agreement:
    agreement = get_object_or_404(Agreement, slug=slug)
    check_agreement_access(request, agreement, edit=edit)
    return agreement


def get_meeting_for_user(request: HttpRequest, pk: int, *, edit: bool = False) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("agreement", "inviting_party"), pk=pk
    )
    check_agreement_access(request, meeting.agreement, edit=edit)
    return meeting


def get_agenda_item_for_user(request: HttpRequest, pk: int, *, edit: bool) -> AgendaItem:
    item = get_object_or_404(
        AgendaItem.objects.select_related("meeting__agreement", "meeting__inviting_party"), pk=pk
    )
    check_agreement_access(request, item.meeting.agreement, edit=edit)
    return item
