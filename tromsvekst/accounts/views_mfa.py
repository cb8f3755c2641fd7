"""The second factor's pages, between the password (or the provider) and the login: the code,
the enrolment of an authenticator app, and the recovery codes shown once
(tromsvekst/accounts/signin.py has the flow, mfa.py the devices)."""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login

from tromsvekst.accounts import mfa, signin

RECOVERY_SHOWN = "mfa_recovery_codes"
RECOVERY_NEXT = "mfa_recovery_next"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Engangskode"),
        max_length=64,
        help_text=_(
            "Sekssifret kode fra autentiseringsappen, eller en av gjenopprettingskodene dine."
        ),
        error_messages={"required": _("Skriv koden.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Kode fra appen"),
        max_length=16,
        help_text=_("Den sekssifrede koden appen viser nå."),
        error_messages={"required": _("Skriv koden appen viser.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


def _expired(request: HttpRequest) -> HttpResponse:
    request.session.pop(signin.PENDING, None)
    return render(request, "registration/mfa_expired.html", status=400)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """«Engangskode»: the code after the password (or the provider) of someone who has a device."""
    found = signin.pending(request)
    if found is None:
        return _expired(request)
    user, data = found
    if mfa.confirmed_totp(user) is None:
        return redirect("mfa-enrol")
    username = user.get_username()
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if signin.is_locked_out(request, username):
            request.session.pop(signin.PENDING, None)
            return signin.locked_out_response(request, username)
        if form.is_valid():
            device = mfa.verify(user, form.cleaned_data["code"])
            if device is not None:
                response = signin.finish_pending(request, user, data)
                otp_login(request, device)
                return response
            signin.record_failure(request, username)
            if signin.is_locked_out(request, username):
                request.session.pop(signin.PENDING, None)
                return signin.locked_out_response(request, username)
            form.add_error("code", _("Koden er feil eller brukt før. Prøv igjen med en ny kode."))
        status = 400
    return render(request, "registration/mfa_verify.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def mfa_enrol(request: HttpRequest) -> HttpResponse:
    """«Sett opp totrinnsinnlogging»: the first time someone who needs a second factor signs in."""
    found = signin.pending(request)
    if found is None:
        return _expired(request)
    user, data = found
    if mfa.confirmed_totp(user) is not None:
        return redirect("mfa-verify")
    username = user.get_username()
    device = mfa.enrolment_device(user)
    form = EnrolForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if signin.is_locked_out(request, username):
            request.session.pop(signin.PENDING, None)
            return signin.locked_out_response(request, username)
        if form.is_valid():
            codes = mfa.confirm_enrolment(device, form.cleaned_data["code"])
            if codes is not None:
                signin.finish_pending(request, user, data)
                otp_login(request, device)
                request.session[RECOVERY_SHOWN] = codes
                request.session[RECOVERY_NEXT] = data["next"]
                return redirect("mfa-recovery-codes")
            signin.record_failure(request, username)
            form.add_error(
                "code",
                _(
                    "Koden stemmer ikke. Sjekk at klokka på telefonen går riktig, og prøv den nye koden."
                ),
            )
        status = 400
    context: dict[str, Any] = {
        "form": form,
        "qr": mfa.qr_data_uri(device),
        "secret": mfa.secret_text(device),
        "username": username,
    }
    return render(request, "registration/mfa_enrol.html", context, status=status)


@never_cache
@require_safe
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes, once: taken out of the session as they are shown."""
    codes = request.session.pop(RECOVERY_SHOWN, None)
    next_url = request.session.pop(RECOVERY_NEXT, None) or reverse("home")
    if not request.user.is_authenticated or not isinstance(codes, list):
        return redirect("home")
    return render(
        request, "registration/mfa_recovery_codes.html", {"codes": codes, "next_url": next_url}
    )
