import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from agreements.models import Agreement
from tromsvekst.accounts import oidc, signin
from tromsvekst.accounts.forms import PortalAuthenticationForm
from tromsvekst.lib.security import safe_next
from tromsvekst.middleware import RETRY_AFTER_SECONDS, database_unavailable


@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Liveness, for a monitor: the portal's processes answer. Touches no database, so a
    database outage does not make a process manager restart healthy app servers."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@require_safe
@never_cache
def readiness(request: HttpRequest) -> HttpResponse:
    """Readiness, for a load balancer: «ok» when this server can reach its database, else 503
    with ``Retry-After`` (take the server out of rotation until it answers «ok» again)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = HttpResponse(
            _("Databasen svarer ikke."), status=503, content_type="text/plain; charset=utf-8"
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the Norwegian 500 page, or the 503 page with ``Retry-After`` when the
    exception being handled means the database cannot be reached (an outage that passes).

    Both pages are rendered without the request, so they touch no database."""
    if database_unavailable(sys.exc_info()[1]):
        html = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html", {})


def login_context() -> dict[str, Any]:
    """What the login page shows besides the form: the public agreements, the single sign-on
    buttons, and whether passwords are for everyone or only the break-glass administrators."""
    return {
        "public_agreements": Agreement.objects.public().order_by("title"),
        "sso_providers": oidc.providers(),
        "local_passwords": settings.LOCAL_PASSWORDS,
    }


class LoginView(auth_views.LoginView):
    """Django's login view, with the public agreements listed for visitors without an account,
    the single sign-on buttons, and the second factor after the password when it is needed."""

    redirect_authenticated_user = True
    form_class = PortalAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        ctx = super().get_context_data(**kwargs)
        ctx.update(login_context())
        form = ctx.get("form")
        ctx["passwords_off"] = form is not None and form.has_error(
            NON_FIELD_ERRORS, "passwords_off"
        )
        return ctx

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        return signin.complete(
            self.request, form.get_user(), method=signin.PASSWORD, next_url=self.get_success_url()
        )


def cool_off_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): the login page again, saying in
    Norwegian why the login was refused and for how long."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username[:150]})
    context = {
        "form": form,
        "locked_out": True,
        "cool_off_minutes": cool_off_minutes(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "next": safe_next(request),
        **login_context(),
    }
    return render(request, "registration/login.html", context, status=429)
