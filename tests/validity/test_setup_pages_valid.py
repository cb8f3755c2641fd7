"""The pages of an agreement's set-up with content (the whole Hålogaland structure, the preview
of its pasted text, form errors, a refusal to remove, revisions) are valid HTML (W3C Nu
checker). The walk (test_html_valid.py) sees them only with the walk's records."""

from django.urls import reverse

from actionplans.models import Action, ActionPlan
from agreements.models import Party, SubGoal
from tests.factories import COUNTY
from tests.helpers.agreement_setup import HALOGALAND_TEXT
from tests.helpers.html_checker import as_document, check_html, require_checker


def test_setup_pages_are_valid_html(client_for, agreement, coordinator, reader):
    require_checker()
    tone = client_for(coordinator)
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    plan = ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    Action.objects.create(plan=plan, number="1.1-1", title="Bolig", sub_goal=goal)
    tone.post(
        reverse("agreements:setup-item-edit", args=["delmal", goal.pk]),
        {"text": "Styrke Hålogaland som region.\nPå to linjer."},
    )
    slug = agreement.slug
    paste = reverse("agreements:setup-paste", args=[slug])
    pages = {
        "create": tone.get(reverse("agreements:setup-create")),
        "create with errors": tone.post(
            reverse("agreements:setup-create"),
            {"slug": "ny", "start_year": "2030", "end_year": "2020", "county": "x"},
        ),
        "overview": tone.get(reverse("agreements:setup", args=[slug])),
        "texts": tone.get(reverse("agreements:setup-texts", args=[slug])),
        "texts with errors": tone.post(reverse("agreements:setup-texts", args=[slug]), {}),
        "party": tone.post(
            reverse("agreements:setup-party-add", args=[slug]),
            {"party": Party.objects.get(slug=COUNTY).pk, "new_name": "Ny", "new_kind": "x"},
        ),
        "add strategy": tone.get(
            reverse("agreements:setup-item-add", args=[slug, "strategi"]) + f"?under={goal.pk}"
        ),
        "add process step": tone.get(reverse("agreements:setup-item-add", args=[slug, "prosess"])),
        "edit signatory": tone.get(
            reverse(
                "agreements:setup-item-edit",
                args=["underskriver", agreement.signatories.first().pk],
            )
        ),
        "remove": tone.get(
            reverse(
                "agreements:setup-item-delete",
                args=["innsatsomrade", agreement.focus_areas.order_by("number").first().pk],
            )
        ),
        "refused removal": tone.post(
            reverse("agreements:setup-item-delete", args=["delmal", goal.pk])
        ),
        "paste": tone.get(paste),
        "paste empty": tone.post(paste, {"source": ""}),
        "preview": tone.post(paste, {"source": HALOGALAND_TEXT + "\n\nEt løst avsnitt."}),
        "preview with numbering problems": tone.post(
            paste, {"source": HALOGALAND_TEXT.replace("Delmål 1.3:", "Delmål 2.3:")}
        ),
        "revisions (reader)": client_for(reader).get(
            reverse("agreements:revision-list", args=[slug])
        ),
        "revisions (anonymous)": client_for(None).get(
            reverse("agreements:revision-list", args=[slug])
        ),
    }
    documents = {}
    for label, response in pages.items():
        assert response.status_code == 200, label
        documents[label] = as_document(response.content.decode())
    errors = check_html(documents)
    listing = "\n".join(f"{label}, line {line}: {message}" for label, line, message in errors)
    assert not errors, f"{len(errors)} HTML errors (W3C Nu Html Checker):\n{listing}"
