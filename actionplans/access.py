"""Access helpers: each returns the object if the user may see (or edit) it, or raises.

Anonymous users are sent to login; a logged-in user without a role in the agreement gets 404
(so that other agreements' plans cannot even be discovered); a reader who tries to edit gets 403.
"""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from actionplans.models import Action, ActionPlan, Milestone
from agreements.access import check_agreement_access

__all__ = [
    "check_agreement_access",
    "get_action_for_user",
    "get_milestone_for_user",
    "get_plan_for_user",
]


def get_plan_for_user(request: HttpRequest, pk: int, *, edit: bool = False) -> ActionPlan:
    plan = get_object_or_404(ActionPlan.objects.select_related("agreement"), pk=pk)
    check_agreement_access(request, plan.agreement, edit=edit)
    return plan


def get_action_for_user(request: HttpRequest, pk: int, *, edit: bool = False) -> Action:
    action = get_object_or_404(
        Action.objects.select_related("plan__agreement", "sub_goal__focus_area"), pk=pk
    )
    check_agreement_access(request, action.plan.agreement, edit=edit)
    return action


def get_milestone_for_user(request: HttpRequest, pk: int, *, edit: bool = False) -> Milestone:
    milestone = get_object_or_404(
        Milestone.objects.select_related(
            "action__plan__agreement",
            "action__sub_goal__focus_area",
            "last_update__author",
            "responsible__user",
        ),
        pk=pk,
    )
    check_agreement_access(request, milestone.action.plan.agreement, edit=edit)
    return milestone
