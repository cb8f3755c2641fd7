from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agreements.models import Agreement


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html", {})


class LoginView(auth_views.LoginView):
    """Django's login view, with the public agreements listed for visitors without an account."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["public_agreements"] = Agreement.objects.public().order_by("title")
        return ctx
