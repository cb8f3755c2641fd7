"""«Fylkets oversikt» and «Personer og roller» with content in every cell (plans, meetings, an
evaluation, an agreement without a plan; active and deactivated people; each confirmation page
and its refusals) are valid HTML (W3C Nu checker). The walk (test_html_valid.py) sees them only
with the walk's records."""

import datetime

from django.contrib.auth.models import User
from django.urls import reverse

from agreements.models import Meeting, Party
from evaluation.models import Evaluation
from evaluation.services import evaluation_create
from tests.factories import COUNCIL, at, make_action, make_milestone, make_plan, make_user
from tests.helpers.html_checker import as_document, check_html, require_checker


def test_county_pages_are_valid_html(
    client_for, agreement, other_agreement, coordinator, reader, admin_user
):
    require_checker()
    plan = make_plan(agreement, 2025, 2026)
    action = make_action(plan, "1.1-1")
    make_milestone(action, "Forfalt", datetime.date(2025, 6, 30), "on_track", 40)
    make_milestone(action, "Ferdig", datetime.date(2025, 6, 30), "done", 100)
    make_plan(agreement, 2027, 2028)
    start = at(2026, 2, 1)
    Meeting.objects.create(
        agreement=agreement,
        title="Vintermøte",
        kind=Meeting.Kind.DIGITAL,
        status=Meeting.Status.HELD,
        start=start,
        end=start + datetime.timedelta(hours=2),
        inviting_party=Party.objects.get(slug=COUNCIL),
    )
    evaluation_create(agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[plan])
    reader.is_active = False
    reader.save(update_fields=["is_active"])
    other_admin = make_user("anne.admin", "Anne", "Admin", is_superuser=True, is_staff=True)
    admin = client_for(admin_user)
    tone = client_for(coordinator)
    overview = reverse("county:overview")
    pages = {
        "overview (admin)": admin.get(overview),
        "overview sorted": admin.get(overview, {"sort": "-forfalt"}),
        "overview (county coordinator)": tone.get(overview),
        "people (admin)": admin.get(reverse("people:people-list")),
        "people (county coordinator)": tone.get(reverse("people:people-list")),
        "deactivate": admin.get(reverse("people:person-deactivate", args=[coordinator.pk])),
        "reactivate": admin.get(reverse("people:person-reactivate", args=[reader.pk])),
        "already inactive": admin.get(reverse("people:person-deactivate", args=[reader.pk])),
        "refused (self)": admin.get(reverse("people:person-deactivate", args=[admin_user.pk])),
        "other admin": admin.get(reverse("people:person-deactivate", args=[other_admin.pk])),
    }
    assert User.objects.get(pk=reader.pk).is_active is False
    documents = {}
    for label, response in pages.items():
        assert response.status_code == 200, label
        documents[label] = as_document(response.content.decode())
    errors = check_html(documents)
    assert not errors, "\n".join(f"{label}:{line}: {text}" for label, line, text in errors)
