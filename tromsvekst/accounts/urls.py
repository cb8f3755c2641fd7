"""Single sign-on and the second factor (included at the site's root by tromsvekst/urls.py)."""

from django.urls import path, register_converter

from tromsvekst.accounts import views_mfa, views_oidc


class ProviderConverter:
    """A provider's name as OIDC_PROVIDERS gives it (tromsvekst/accounts/providers.py)."""

    regex = "[a-z][a-z0-9]{0,19}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(ProviderConverter, "provider")

urlpatterns = [
    path("oidc/<provider:provider>/logg-inn/", views_oidc.oidc_start, name="oidc-start"),
    path("oidc/<provider:provider>/callback/", views_oidc.oidc_callback, name="oidc-callback"),
    path("totrinn/kode/", views_mfa.mfa_verify, name="mfa-verify"),
    path("totrinn/oppsett/", views_mfa.mfa_enrol, name="mfa-enrol"),
    path("totrinn/gjenopprettingskoder/", views_mfa.mfa_recovery_codes, name="mfa-recovery-codes"),
]
