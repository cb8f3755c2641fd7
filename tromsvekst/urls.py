from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from actionplans import views_dashboard
from tromsvekst import views
from tromsvekst.accounts import views as account_views
from tromsvekst.accounts import views_oidc

admin.site.site_header = _("Tromsvekst-portalen – administrasjon")
admin.site.site_title = _("Tromsvekst-portalen")
admin.site.index_title = _("Administrasjon")

# A database outage answers 503 with Retry-After; any other unexpected error the 500 page.
handler500 = "tromsvekst.views.server_error"

urlpatterns = [
    path("", views_dashboard.home, name="home"),
    path("logg-inn/", views.LoginView.as_view(), name="login"),
    # Django's logout, and the provider's after a single sign-on (RP-initiated logout).
    path("logg-ut/", views_oidc.LogoutView.as_view(), name="logout"),
    path("glemt-passord/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "glemt-passord/sendt/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "nytt-passord/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "nytt-passord/ferdig/",
        account_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("", include("tromsvekst.accounts.urls")),
    path("helse/", views.health, name="health"),
    path("helse/klar/", views.readiness, name="readiness"),
    path("tilgjengelighetserklaering/", views.accessibility_statement, name="accessibility"),
    path("avtaler/", include("agreements.urls")),
    path("fylket/personer/", include("agreements.urls_people")),
    path("fylket/", include("evaluation.urls_county")),
    path("", include("actionplans.urls")),
    path("", include("evaluation.urls")),
    path("revisjonslogg/", include("tromsvekst.audit.urls")),
    # The admin's own login form would skip the second factor: the portal's login answers there.
    path("admin/login/", views.LoginView.as_view(redirect_authenticated_user=False)),
    path("admin/", admin.site.urls),
]
