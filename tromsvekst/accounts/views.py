"""Setting a password by e-mail: the "Glemt passordet?" page and the page its link opens
(Django's views with the portal's forms, tromsvekst/accounts/forms.py)."""

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tromsvekst.accounts.forms import PortalPasswordResetForm, PortalSetPasswordForm


class LocalPasswordsOnly:
    """With LOCAL_PASSWORDS=False the password pages are gone: a Norwegian page, 404. (The
    break-glass administrators' passwords are set with ``manage.py changepassword``.)"""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.LOCAL_PASSWORDS:
            return render(request, "registration/passwords_off.html", status=404)
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]  # a mixin before a Django view
        return response


class PasswordResetView(LocalPasswordsOnly, auth_views.PasswordResetView):
    """ "Glemt passordet?": a link by e-mail, whether or not the address has an account."""

    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Links go to SITE_URL, never to whatever Host header the request came with.
        self.extra_email_context = {
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
            "site_url": settings.SITE_URL,
        }
        return super().form_valid(form)


class PasswordResetDoneView(LocalPasswordsOnly, auth_views.PasswordResetDoneView):
    pass


class PasswordResetCompleteView(LocalPasswordsOnly, auth_views.PasswordResetCompleteView):
    pass


class PasswordResetConfirmView(LocalPasswordsOnly, auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm
    # The link's parts are never logged (tromsvekst.audit.context.redacted_path).
    secret_url_kwargs = ("uidb64", "token")
