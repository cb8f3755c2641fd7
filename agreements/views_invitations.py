"""The answer to an invitation (agreements.invitations): the page behind the e-mailed link, open
without login (the signed link is the permission), and a coordinator's withdrawal of one.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from agreements import invitations, rules
from agreements.access import get_for_user
from agreements.models import Coordinator, Invitation
from tromsvekst.accounts import signin
from tromsvekst.accounts.oidc import providers
from tromsvekst.audit.context import secret_url_kwargs
from tromsvekst.lib.requests import signed_in_user

ACCEPT, DECLINE = "godta", "avsla"


def _private(response: HttpResponse) -> HttpResponse:
    # The address holds a secret: keep it out of search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@secret_url_kwargs("token")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_respond(request: HttpRequest, token: str) -> HttpResponse:
    """Show the invitation and let the person accept or decline it.

    Accepting with an account that has the address needs a login as that account; without an
    account, one is made and the person goes on to choose a password. A malformed, expired or
    answered link gets a page that says so (404)."""
    invitation = invitations.invitation_from_token(token)
    if invitation is None or invitations.is_expired(invitation):
        return _private(render(request, "agreements/invitation_invalid.html", status=404))
    ctx = {
        "invitation": invitation,
        "agreement": invitation.agreement,
        "login_url": reverse("login") + "?" + urlencode({"next": request.path}),
        "log_in": False,
        "refusal": "",
        # Single sign-on instead of a password (issue #17): one button per provider.
        "sso_providers": providers(),
        "local_passwords": settings.LOCAL_PASSWORDS,
    }
    status = 200
    answer = request.POST.get("svar") if request.method == "POST" else None
    if answer == DECLINE:
        invitations.invitation_decline(invitation=invitation)
        return _private(render(request, "agreements/invitation_declined.html", ctx))
    if answer == ACCEPT:
        has_account = invitations.accounts_for(invitation).exists()
        user = request.user if request.user.is_authenticated else None
        mine = user is not None and user.email.lower() == invitation.email.lower()
        if has_account and not mine:
            # Only whoever holds the link learns that the address has an account.
            ctx["log_in"] = True
        else:
            try:
                appointment = invitations.invitation_accept(
                    invitation=invitation, user=user if mine else None
                )
            except ValidationError as exc:
                ctx["refusal"] = " ".join(exc.messages)
                status = 409
            else:
                return _accepted(
                    request,
                    appointment,
                    new_account=not mine,
                    sso=request.POST.get("innlogging", ""),
                )
    elif answer is not None:
        ctx["refusal"] = _("Velg «Godta» eller «Avslå».")
        status = 400
    return _private(render(request, "agreements/invitation_respond.html", ctx, status=status))


def _accepted(
    request: HttpRequest, appointment: Coordinator, *, new_account: bool, sso: str = ""
) -> HttpResponse:
    agreement = appointment.agreement
    if new_account and (sso in settings.OIDC_PROVIDERS or not settings.LOCAL_PASSWORDS):
        # Signing in with the work account instead of a password: the provider's verified
        # address (the invitation's) links the new account at the first sign-in.
        next_query = urlencode({"next": agreement.get_absolute_url()})
        if sso in settings.OIDC_PROVIDERS:
            signin.remember_invited(request, appointment.user, sso)
            return redirect(reverse("oidc-start", args=[sso]) + "?" + next_query)
        return redirect(reverse("login") + "?" + next_query)
    if new_account:
        # A new account has no password yet: the same link "Glemt passordet?" would send.
        user = appointment.user
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        return redirect("password_reset_confirm", uidb64=uid, token=token)
    messages.success(
        request,
        _("Du er nå %(role)s for %(party)s i %(agreement)s.")
        % {
            "role": appointment.get_role_display().lower(),
            "party": appointment.party.name,
            "agreement": agreement.short_title or agreement.title,
        },
    )
    return redirect(agreement.get_absolute_url())


@require_POST
def invitation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator takes back an invitation that has not been answered."""
    invitation = get_for_user(request, Invitation.objects.select_related("party"), pk, edit=True)
    if invitation.party_id not in rules.appointable_party_ids(request.user, invitation.agreement):
        raise PermissionDenied
    try:
        invitations.invitation_withdraw(invitation=invitation, by=signed_in_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Invitasjonen til %(name)s (%(email)s) er trukket tilbake.")
            % {"name": invitation.name, "email": invitation.email},
        )
    return redirect("agreements:coordinator-list", slug=invitation.agreement.slug)
