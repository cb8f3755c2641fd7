"""Setting up an agreement in the portal (issue #16), for administrators and county coordinators.

- «Ny avtale» (/avtaler/ny/): title, short name, address, period, public or not, the county;
- the set-up page (/avtaler/<slug>/oppsett/): everything of the agreement, each part with its
  «Endre», «Flytt opp», «Flytt ned» and «Fjern» (a confirmation page), and «Legg til»;
- «Lim inn avtaleteksten»: the text, a preview of what was read with every text in a field of
  its own to correct, and «Lagre» through the loader (agreements/setup.py paste_save);
- «Endringer i avtaleteksten» (/avtaler/<slug>/endringer/): the revisions of an adopted
  agreement, for everyone who may read the agreement.

Access: ``get_for_user`` (the one access rule) and then ``rules.can_set_up_agreement`` (the
agreement's county coordinators and administrators; others get 403).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import rules, setup
from agreements.access import agreement_of, get_for_user
from agreements.forms_setup import (
    AgreementCreateForm,
    AgreementTextsForm,
    PartyAddForm,
    PasteForm,
    PreviewForm,
    SignatoryForm,
    item_form,
)
from agreements.models import Agreement, FocusArea, Strategy, SubGoal
from agreements.parse import count_texts, parse_agreement_text, structure_problems
from tromsvekst.lib.access import LoginNeeded
from tromsvekst.lib.forms import add_service_errors
from tromsvekst.lib.requests import form_data, signed_in_user


def _agreement_for_setup(request: HttpRequest, slug: str) -> Agreement:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    if not rules.can_set_up_agreement(request.user, agreement):
        raise PermissionDenied
    return agreement


def _kind(slug: str) -> setup.Kind:
    kind = setup.KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def _item_for_setup(request: HttpRequest, kind: setup.Kind, pk: int) -> models.Model:
    obj = get_for_user(request, kind.model, pk, edit=True)
    if not rules.can_set_up_agreement(request.user, agreement_of(obj)):
        raise PermissionDenied
    return obj


def _overview_url(agreement: Agreement, anchor: str = "") -> str:
    url = reverse("agreements:setup", args=[agreement.slug])
    return f"{url}#{anchor}" if anchor else url


@require_http_methods(["GET", "POST"])
def setup_create(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise LoginNeeded
    if not rules.can_set_up_agreements(request.user):
        raise PermissionDenied
    form = AgreementCreateForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in AgreementCreateForm.Meta.fields}
        try:
            agreement = setup.agreement_create(
                data=data, county=form.cleaned_data["county"], by=signed_in_user(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Avtalen «%(title)s» er opprettet som utkast. Legg til partene og teksten.")
                % {"title": agreement.title},
            )
            return redirect("agreements:setup", slug=agreement.slug)
    return render(request, "agreements/setup/create.html", {"form": form})


@require_GET
def setup_overview(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement_for_setup(request, slug)
    areas = FocusArea.objects.filter(agreement=agreement).prefetch_related(
        Prefetch(
            "sub_goals",
            queryset=SubGoal.objects.order_by("order", "code").prefetch_related(
                Prefetch("strategies", queryset=Strategy.objects.order_by("order"))
            ),
        )
    )
    ctx = {
        "agreement": agreement,
        "memberships": agreement.memberships.select_related("party"),
        "signatories": agreement.signatories.select_related("party"),
        "focus_areas": areas,
        "lists": [
            ("tema", _("Sentrale tema"), agreement.central_themes.all()),
            ("effekt", _("Langsiktige effekter"), agreement.long_term_effects.all()),
            ("prosess", _("Forankring og prosess"), agreement.process_events.all()),
        ],
        "revision_count": agreement.revisions.count(),
    }
    return render(request, "agreements/setup/overview.html", ctx)


@require_http_methods(["GET", "POST"])
def setup_texts(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement_for_setup(request, slug)
    form = AgreementTextsForm(form_data(request), instance=agreement)
    if request.method == "POST" and form.is_valid():
        with setup.keeping_revisions(agreement, signed_in_user(request)):
            form.save()
        messages.success(request, _("Avtalens tekster er lagret."))
        return redirect(_overview_url(agreement, "avtalen"))
    return render(request, "agreements/setup/texts.html", {"agreement": agreement, "form": form})


@require_http_methods(["GET", "POST"])
def setup_party_add(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement_for_setup(request, slug)
    form = PartyAddForm(form_data(request), agreement=agreement)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {name: data[name] for name in ("adopted_by", "adopted_on", "case_number")}
        try:
            with setup.keeping_revisions(agreement, signed_in_user(request)):
                party = data["party"] or setup.party_create(data["new_name"], data["new_kind"])
                setup.item_add(setup.KINDS["part"], agreement, {"party": party, **values})
        except ValidationError as exc:
            add_service_errors(form, exc, {"name": "new_name", "kind": "new_kind"})
        else:
            messages.success(request, _("%(name)s er lagt til som part.") % {"name": party.name})
            return redirect(_overview_url(agreement, "parter"))
    ctx = {"agreement": agreement, "form": form}
    return render(request, "agreements/setup/party_form.html", ctx)


def _owner(request: HttpRequest, agreement: Agreement, kind: setup.Kind) -> models.Model:
    """Where a new item goes: the agreement, or the innsatsområde or delmål ``?under=`` names."""
    if kind.parent == "agreement":
        return agreement
    model = FocusArea if kind.parent == "focus_area" else SubGoal
    under = request.GET.get("under", "")
    if not under.isdigit() or len(under) > 18:
        raise Http404
    owner = model.objects.filter(agreement=agreement, pk=int(under)).first()
    if owner is None:
        raise Http404
    return owner


@require_http_methods(["GET", "POST"])
def setup_item_add(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    agreement = _agreement_for_setup(request, slug)
    item_kind = _kind(kind)
    if item_kind.slug == "part":
        return redirect("agreements:setup-party-add", slug=agreement.slug)
    owner = _owner(request, agreement, item_kind)
    form_class = SignatoryForm if item_kind.slug == "underskriver" else item_form(item_kind)
    form = form_class(form_data(request), agreement=agreement)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in item_kind.fields}
        try:
            with setup.keeping_revisions(agreement, signed_in_user(request)):
                setup.item_add(item_kind, owner, values)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lagt til: %(kind)s.") % {"kind": item_kind.label})
            return redirect(_overview_url(agreement, item_kind.slug))
    ctx = {"agreement": agreement, "form": form, "kind": item_kind, "owner": owner, "obj": None}
    return render(request, "agreements/setup/item_form.html", ctx)


@require_http_methods(["GET", "POST"])
def setup_item_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item_kind = _kind(kind)
    obj = _item_for_setup(request, item_kind, pk)
    agreement = setup.agreement_of_item(obj)
    form_class = SignatoryForm if item_kind.slug == "underskriver" else item_form(item_kind)
    form = form_class(form_data(request), instance=obj, agreement=agreement)
    if request.method == "POST" and form.is_valid():
        with setup.keeping_revisions(agreement, signed_in_user(request)):
            form.save()
        messages.success(request, _("Endringen er lagret."))
        return redirect(_overview_url(agreement, f"{item_kind.slug}-{obj.pk}"))
    ctx = {"agreement": agreement, "form": form, "kind": item_kind, "obj": obj, "owner": None}
    return render(request, "agreements/setup/item_form.html", ctx)


@require_POST
def setup_item_move(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item_kind = _kind(kind)
    obj = _item_for_setup(request, item_kind, pk)
    agreement = setup.agreement_of_item(obj)
    up = request.POST.get("retning") != "ned"
    with setup.keeping_revisions(agreement, signed_in_user(request)):
        moved = setup.item_move(item_kind, obj, up=up)
    if moved:
        messages.success(request, _("Rekkefølgen er endret."))
    else:
        messages.info(request, _("Den står allerede først eller sist."))
    return redirect(_overview_url(agreement, f"{item_kind.slug}-{obj.pk}"))


@require_http_methods(["GET", "POST"])
def setup_item_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    item_kind = _kind(kind)
    obj = _item_for_setup(request, item_kind, pk)
    agreement = setup.agreement_of_item(obj)
    refusal = ""
    if request.method == "POST":
        try:
            with setup.keeping_revisions(agreement, signed_in_user(request)):
                setup.item_delete(item_kind, obj)
        except setup.InUse:
            refusal = _(
                "Dette er i bruk i en handlingsplan, en evaluering eller en indikator og kan "
                "ikke fjernes. Endre teksten i stedet, eller fjern det som bruker den først."
            )
            if item_kind.slug == "part":
                refusal = _(
                    "Parten har personer, underskrivere, invitasjoner eller møter i avtalen og "
                    "kan ikke fjernes. Fjern dem først."
                )
        else:
            messages.success(request, _("Fjernet: %(kind)s.") % {"kind": item_kind.label})
            return redirect(_overview_url(agreement, item_kind.slug))
    ctx = {"agreement": agreement, "kind": item_kind, "obj": obj, "refusal": refusal}
    return render(request, "agreements/setup/item_confirm_delete.html", ctx)


@require_http_methods(["GET", "POST"])
def setup_paste(request: HttpRequest, slug: str) -> HttpResponse:
    """The text (GET, or POST without «lagre»), the preview (POST with the text) and saving."""
    agreement = _agreement_for_setup(request, slug)
    paste = PasteForm(form_data(request))
    if request.method != "POST" or not paste.is_valid():
        ctx = {"agreement": agreement, "form": paste}
        return render(request, "agreements/setup/paste.html", ctx)
    result = parse_agreement_text(paste.cleaned_data["source"])
    preview = PreviewForm(request.POST if "lagre" in request.POST else None, parsed=result.data)
    preview.initial["source"] = paste.cleaned_data["source"]
    count = count_texts(result.data)
    problems = [_problem_text(key, values) for key, values in structure_problems(result.data)]
    if "lagre" in request.POST and count == 0:
        preview.add_error(None, _("Fant ingen innsatsområder, delmål eller lister i teksten."))
    elif "lagre" in request.POST and problems:
        for problem in problems:
            preview.add_error(None, problem)
    elif "lagre" in request.POST and preview.is_valid():
        try:
            setup.paste_save(agreement, preview.corrected(), by=signed_in_user(request))
        except ValidationError as exc:
            add_service_errors(preview, exc)
        else:
            messages.success(
                request,
                _("Avtaleteksten er lagret: %(count)s tekster i strukturen.")
                % {"count": count_texts(preview.corrected())},
            )
            return redirect("agreements:setup", slug=agreement.slug)
    ctx = {
        "agreement": agreement,
        "form": preview,
        "parsed": result.data,
        "unplaced": result.unplaced,
        "count": count,
        "problems": problems,
        "replaces": agreement.focus_areas.exists(),
        "text_fields": [preview[name] for name in preview.places if len(preview.places[name]) == 1],
        **_preview_structure(preview),
    }
    return render(request, "agreements/setup/preview.html", ctx)


def _problem_text(key: str, values: dict) -> str:
    """A numbering problem of the pasted text (agreements.parse.structure_problems) in words."""
    if key == "area-twice":
        return _("Innsatsområde %(number)s står to ganger i teksten.") % values
    if key == "goal-twice":
        return _("Delmål %(code)s står to ganger i teksten.") % values
    if key == "area-zero":
        return _("Innsatsområdene nummereres fra 1, ikke %(number)s.") % values
    if key == "goal-code":
        return _("Koden til delmål %(code)s skal være to tall fra 1 og opp, som «1.2».") % values
    return (
        _(
            "Delmål %(code)s står under innsatsområde %(number)s, men koden må begynne med "
            "%(number)s. Rett nummeret i teksten og les den på nytt."
        )
        % values
    )


def _preview_structure(preview: PreviewForm) -> dict:
    """The preview's fields in the agreement's structure, for the template."""
    areas = []
    for a, area in enumerate(preview.parsed.get("focus_areas", [])):
        goals = [
            {
                "field": preview[f"goal-{a}-{g}"],
                "strategies": [
                    preview[f"strategy-{a}-{g}-{s}"] for s in range(len(goal["strategies"]))
                ],
            }
            for g, goal in enumerate(area["sub_goals"])
        ]
        areas.append({"field": preview[f"area-{a}"], "goals": goals})
    lists = [
        (title, [preview[f"{key}-{i}"] for i in range(len(preview.parsed.get(key, [])))])
        for key, title in (
            ("central_themes", _("Sentrale tema")),
            ("long_term_effects", _("Langsiktige effekter")),
            ("process_events", _("Forankring og prosess")),
        )
    ]
    return {"areas": areas, "lists": lists}


@require_GET
def revision_list(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", public=True)
    revisions = agreement.revisions.select_related("user")
    ctx = {
        "agreement": agreement,
        "revisions": revisions,
        "can_view_internal": rules.can_view_internal(request.user, agreement),
    }
    return render(request, "agreements/setup/revisions.html", ctx)
