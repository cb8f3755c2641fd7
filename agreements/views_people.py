"""«Personer og roller»: who has which role where, and deactivating or reactivating accounts
(agreements.people has the rules). Roles are given and changed on each agreement's coordinator
pages, which this page links to."""

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agreements import people, rules
from agreements.models import Agreement, AgreementParty, Coordinator
from tromsvekst.lib.access import LoginNeeded
from tromsvekst.lib.names import display_name
from tromsvekst.lib.requests import signed_in_user


def _check_manager(request: HttpRequest) -> set[int]:
    """Administrators and county coordinators pass (a county coordinator's county agreements
    are returned); anyone else signed in gets 403, and anonymous visitors the login page."""
    if not request.user.is_authenticated:
        raise LoginNeeded
    if rules.is_admin(request.user):
        return set()  # an administrator sees everyone; no county agreements needed
    county_ids = people.county_agreement_ids(request.user)
    if not people.can_manage_people(request.user, county_ids):
        raise PermissionDenied
    return county_ids


@require_GET
def people_list(request: HttpRequest) -> HttpResponse:
    county_ids = _check_manager(request)
    rows = people.people_rows(request.user, county_ids)
    agreements = Agreement.objects.all() if rules.is_admin(request.user) else None
    if agreements is None:
        agreements = Agreement.objects.filter(pk__in=county_ids)
    agreements = agreements.order_by("title").prefetch_related(
        Prefetch("memberships", queryset=AgreementParty.objects.select_related("party"))
    )
    ctx = {
        "rows": rows,
        "agreements": agreements,
        "is_admin": rules.is_admin(request.user),
        "active_count": sum(1 for row in rows if row.user.is_active),
        "inactive_count": sum(1 for row in rows if not row.user.is_active),
    }
    return render(request, "agreements/people/people_list.html", ctx)


def _person(request: HttpRequest, pk: int) -> User:
    """The account, if it is on the signed-in person's «Personer og roller» (else 404)."""
    _check_manager(request)
    target = get_object_or_404(User, pk=pk)
    if not people.may_see_person(request.user, target):
        raise Http404
    return target


def _set_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    target = _person(request, pk)
    refusal = people.account_refusal(request.user, target)
    already = target.is_active == active
    if request.method == "POST" and not already and not refusal:
        try:
            people.account_set_active(user=target, active=active, by=signed_in_user(request))
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            text = (
                _("%(name)s kan logge inn igjen, med de samme rollene som før.")
                if active
                else _("%(name)s er deaktivert og kan ikke lenger logge inn.")
            )
            messages.success(request, text % {"name": display_name(target)})
            return redirect(f"{_list_url()}#person-{target.pk}")
    elif request.method == "POST" and already:
        text = _("%(name)s er allerede aktiv.") if active else _("%(name)s er allerede deaktivert.")
        messages.info(request, text % {"name": display_name(target)})
        return redirect(f"{_list_url()}#person-{target.pk}")
    roles = list(
        Coordinator.objects.filter(user=target)
        .select_related("agreement", "party")
        .order_by("agreement__title")
    )
    if not rules.is_admin(request.user):
        county_ids = people.county_agreement_ids(request.user)
        roles = [role for role in roles if role.agreement_id in county_ids]
    ctx = {
        "person": target,
        "name": display_name(target),
        "roles": roles,
        "refusal": refusal,
        "already": already,
        "activate": active,
        "invitations": 0 if active else people.waiting_invitations(target).count(),
    }
    return render(request, "agreements/people/person_active_confirm.html", ctx)


def _list_url() -> str:
    return reverse("people:people-list")


@require_http_methods(["GET", "POST"])
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET) and its button (POST)."""
    return _set_active(request, pk, active=False)


@require_http_methods(["GET", "POST"])
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page (GET) and its button (POST)."""
    return _set_active(request, pk, active=True)
