from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from agreements.models import Agreement
from tromsvekst.accounts import PortalPasswordResetForm, PortalSetPasswordForm


@require_GET
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For a load balancer or a monitor: the portal's processes answer. Touches no database."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html", {})


class LoginView(auth_views.LoginView):
    """Django's login view, with the public agreements listed for visitors without an account."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["public_agreements"] = Agreement.objects.public().order_by("title")
        return ctx


class PasswordResetView(auth_views.PasswordResetView):
    """ "Glemt passordet?": a link by e-mail, whether or not the address has an account."""

    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        # Links go to SITE_URL, never to whatever Host header the request came with.
        self.extra_email_context = {
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
            "site_url": settings.SITE_URL,
        }
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = PortalSetPasswordForm
