"""Nobody can change or delete the audit log: not through the model, not in the Django admin, not
through the portal."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import get_resolver, reverse

from agreements.models import Party
from tromsvekst.audit.models import AuditEntry

REFUSED = "En oppføring i revisjonsloggen kan ikke endres eller slettes."


@pytest.fixture
def entry(agreement) -> AuditEntry:
    """The entry recorded when the agreement was loaded."""
    return AuditEntry.objects.filter(object_repr=agreement.title, action="opprettet").get()


def test_an_entry_cannot_be_saved_again(entry):
    entry.object_repr = "Noe annet"

    with pytest.raises(ValidationError, match=REFUSED):
        entry.save()

    assert AuditEntry.objects.get(pk=entry.pk).object_repr != "Noe annet"


def test_a_new_object_with_an_existing_entrys_key_cannot_overwrite_it(entry):
    forged = AuditEntry(
        pk=entry.pk,
        username="ingen",
        action="slettet",
        content_type=entry.content_type,
        object_id=entry.object_id,
        object_repr="Forfalsket",
    )

    with pytest.raises(ValidationError, match=REFUSED):
        forged.save()

    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(ValidationError, match=REFUSED):
        entry.delete()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_log_cannot_be_updated_or_deleted_in_bulk(entry):
    with pytest.raises(ValidationError, match=REFUSED):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="Noe annet")
    with pytest.raises(ValidationError, match=REFUSED):
        AuditEntry.objects.all().delete()

    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


def test_deleting_a_user_keeps_their_entries_under_their_name(client_for, agreement):
    kari = User.objects.create(username="kari.nordmann", is_staff=True, is_superuser=True)
    party = Party.objects.get(slug="halogalandsradet")
    client_for(kari).post(
        reverse("admin:agreements_party_change", args=[party.pk]),
        {"name": party.name, "slug": party.slug, "kind": party.kind, "website": "https://x.no/"},
    )
    entry = AuditEntry.objects.get(username="kari.nordmann")

    kari.delete()

    entry.refresh_from_db()
    assert entry.user is None
    assert entry.username == "kari.nordmann"


# --- the Django admin ---------------------------------------------------------------------------


def test_admin_lists_and_shows_entries_read_only(client_for, admin_user, entry):
    client = client_for(admin_user)

    listing = client.get(reverse("admin:audit_auditentry_changelist"))
    detail = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk]))

    assert listing.status_code == 200
    assert entry.object_repr in listing.content.decode()
    page = detail.content.decode()
    assert detail.status_code == 200
    assert 'name="_save"' not in page  # no save button: nothing to change
    assert "Tromsvekstavtale" in page or entry.object_repr in page
    assert '<th scope="row">Tittel</th>' in page  # the changes as a table of fields
    assert reverse("admin:audit_auditentry_add") not in listing.content.decode()


def test_admin_has_no_add_change_or_delete(client_for, admin_user, entry):
    client = client_for(admin_user)

    add = client.get(reverse("admin:audit_auditentry_add"))
    change = client.post(
        reverse("admin:audit_auditentry_change", args=[entry.pk]),
        {"object_repr": "Noe annet", "username": "x"},
    )
    delete = client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk.status_code in (200, 302)  # the action does not exist: nothing happens
    entry.refresh_from_db()
    assert entry.object_repr != "Noe annet"


def test_the_admin_filters_by_action_type_date_and_user_and_searches(client_for, admin_user, entry):
    client = client_for(admin_user)
    party = Party.objects.get(slug="halogalandsradet")
    client.post(
        reverse("admin:agreements_party_change", args=[party.pk]),
        {"name": party.name, "slug": party.slug, "kind": party.kind, "website": "https://x.no/"},
    )

    response = client.get(
        reverse("admin:audit_auditentry_changelist"),
        {"action__exact": "opprettet", "q": entry.object_repr[:20]},
    )

    by_admin = client.get(
        reverse("admin:audit_auditentry_changelist"),
        {"action__exact": "endret", "user__id__exact": admin_user.pk},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert entry.object_repr in page
    for title in ("handling", "type", "tidspunkt", "bruker"):
        assert f'data-filter-title="{title}"' in page
    changes = by_admin.content.decode()
    assert by_admin.status_code == 200
    assert "Hålogalandsrådet" in changes
    assert entry.object_repr not in changes


# --- the portal ---------------------------------------------------------------------------------


def test_the_portal_has_one_audit_page_and_it_takes_no_post(client_for, admin_user, entry):
    [audit_urls] = [
        p for p in get_resolver().url_patterns if getattr(p, "namespace", "") == "audit"
    ]
    assert [p.name for p in audit_urls.url_patterns] == ["log"]

    response = client_for(admin_user).post(reverse("audit:log"), {"pk": entry.pk})

    assert response.status_code == 405
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr
