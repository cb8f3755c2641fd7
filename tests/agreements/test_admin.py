"""Every admin page opens for an administrator.

The cases come from the admin registry, so a model registered later is covered without
touching this file. The data is the real agreement plus ``manage.py load_demo``.
"""

from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from tromsvekst.accounts.models import ExternalIdentity

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label_lower)
IDS = [model._meta.label_lower for model in REGISTERED]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def demo_data(agreement, settings):
    """The agreement and the demo users (and whatever else ``load_demo`` adds)."""
    # The demo users' passwords do not matter here; hashing them properly costs ~2 s a test.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    call_command("load_demo", stdout=StringIO())


def test_the_agreement_models_are_registered():
    assert {
        "agreements.agreement",
        "agreements.party",
        "agreements.focusarea",
        "agreements.subgoal",
        "agreements.strategy",
        "agreements.coordinator",
    } <= set(IDS)


def test_the_admin_index_lists_every_registered_model(demo_data, admin_user, client_for):
    response = client_for(admin_user).get(reverse("admin:index"))

    assert response.status_code == 200
    for model in REGISTERED:
        assert admin_url(model, "changelist") in response.content.decode()


@pytest.mark.parametrize("model", REGISTERED, ids=IDS)
def test_the_changelist_opens(agreement, admin_user, client_for, model):
    response = client_for(admin_user).get(admin_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=IDS)
def test_the_add_page_opens_unless_the_model_admin_forbids_adding(
    agreement, admin_user, client_for, rf, model
):
    request = rf.get("/")
    request.user = admin_user
    may_add = admin.site._registry[model].has_add_permission(request)

    response = client_for(admin_user).get(admin_url(model, "add"))

    # Some records are written only by the portal (sent reminders): the admin refuses to add one.
    assert response.status_code == (200 if may_add else 403)


def test_the_change_page_opens_for_every_model(demo_data, admin_user, client_for):
    """One pass over the registry with the demo loaded once (loading it costs about a second).
    A linked work account and the two kinds of second factor appear only when someone signs in
    that way: one of each is made here, so their pages are opened too."""
    ExternalIdentity.objects.create(
        user=admin_user, provider="entra", subject="sub-123", email="ada@eksempel.invalid"
    )
    TOTPDevice.objects.create(user=admin_user, name="Autentiseringsapp", confirmed=True)
    StaticDevice.objects.create(user=admin_user, name="Gjenopprettingskoder", confirmed=True)
    client = client_for(admin_user)
    failures, missing = [], []
    for model in REGISTERED:
        instance = model._default_manager.order_by("pk").first()
        if instance is None:
            missing.append(model._meta.label_lower)
            continue
        response = client.get(admin_url(model, "change", instance.pk))
        if response.status_code != 200:
            failures.append((model._meta.label_lower, response.status_code))
    assert not failures
    # Every model but the ones only the portal writes as it runs has demo data to open (the
    # login throttling's records appear when people log in).
    assert set(missing) <= {
        "auth.group",
        "actionplans.sentreminder",
        "agreements.calendarfeed",
        "axes.accessattempt",
        "axes.accesslog",
        "axes.accessfailurelog",
    }, missing


def test_someone_who_is_not_staff_is_sent_to_the_admin_login(agreement, coordinator, client_for):
    response = client_for(coordinator).get(reverse("admin:agreements_agreement_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
