"""Setting up an agreement in the portal: the services behind agreements/views_setup.py.

- ``agreement_create``: a new draft agreement with the county as its first party; a county
  coordinator who starts it becomes its coordinator for the county, so that they can go on.
- ``KINDS``: the parts of an agreement that are edited in place (innsatsområder, delmål,
  strategier, central themes, long-term effects, process steps, parties, signatories), how each
  is ordered and where it belongs; ``item_add``, ``item_move`` and ``item_delete`` keep the
  numbering whole (innsatsområder 1, 2, …; delmål «N.1», «N.2», … under innsatsområde N; every
  list 1, 2, …).
- ``paste_save``: a pasted and corrected text (agreements/parse.py) written through the loader
  (agreements/loader.py), with the agreement's own title, parties and basis documents.
- ``keeping_revisions``: every change above, made to an adopted agreement, leaves one
  ``AgreementRevision`` per changed text (who, when, which text, before and after).
"""

import datetime
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import rules
from agreements.loader import AgreementFileError, agreement_load
from agreements.models import (
    Agreement,
    AgreementParty,
    AgreementRevision,
    CentralTheme,
    Coordinator,
    FocusArea,
    LongTermEffect,
    Party,
    ProcessEvent,
    Signatory,
    Strategy,
    SubGoal,
)

# Slugs that would hide a page under /avtaler/ (its single-segment addresses).
RESERVED_SLUGS = {"ny", "oppsett", "moter", "koordinatorer", "invitasjon", "invitasjoner"}
NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})
TEMPORARY = 1000  # numbers and orders moved out of the way while a list is renumbered


@dataclass(frozen=True)
class Kind:
    """One part of an agreement that is edited in place."""

    slug: str
    model: type[models.Model]
    label: object  # a lazy translation
    fields: tuple[str, ...]
    parent: str  # the field that holds the list's owner ("agreement", "focus_area", "sub_goal")
    position: str  # the field that orders the list ("number", "order")

    def siblings(self, obj: models.Model) -> list[models.Model]:
        owner_id = getattr(obj, f"{self.parent}_id")
        queryset = self.model._default_manager.filter(**{f"{self.parent}_id": owner_id})
        return list(queryset.order_by(self.position, "pk"))


KINDS = {
    kind.slug: kind
    for kind in [
        Kind("innsatsomrade", FocusArea, gettext_lazy("innsatsområde"), ("title",), "agreement", "number"),
        Kind("delmal", SubGoal, gettext_lazy("delmål"), ("text",), "focus_area", "order"),
        Kind("strategi", Strategy, gettext_lazy("strategi"), ("text", "note", "note_url"), "sub_goal", "order"),
        Kind("tema", CentralTheme, gettext_lazy("sentralt tema"), ("text",), "agreement", "order"),
        Kind("effekt", LongTermEffect, gettext_lazy("langsiktig effekt"), ("text",), "agreement", "order"),
        Kind("prosess", ProcessEvent, gettext_lazy("steg i forankring og prosess"), ("text", "when", "date"), "agreement", "order"),
        Kind("part", AgreementParty, gettext_lazy("part"), ("adopted_by", "adopted_on", "case_number"), "agreement", "order"),
        Kind("underskriver", Signatory, gettext_lazy("underskriver"), ("party", "name", "title"), "agreement", "order"),
    ]
}  # fmt: skip


def agreement_of_item(obj: models.Model) -> Agreement:
    if isinstance(obj, Strategy):
        return obj.sub_goal.agreement
    agreement = getattr(obj, "agreement", None)
    assert isinstance(agreement, Agreement)
    return agreement


# --- Revisions ------------------------------------------------------------------------------------

Snapshot = dict[tuple[str, int, str], tuple[str, str, str]]


def _texts(obj: models.Model, subject: str, names: tuple[str, ...]) -> Snapshot:
    out: Snapshot = {}
    for name in names:
        value = getattr(obj, name)
        text = "" if value is None else str(value)
        label = str(getattr(obj._meta.get_field(name), "verbose_name", name))
        out[(obj._meta.label, obj.pk, name)] = (subject, label, text)
    return out


def text_snapshot(agreement: Agreement) -> Snapshot:
    """Every text of ``agreement`` by (model, pk, field): (what it is, field, text)."""
    names: tuple[str, ...] = (
        "title",
        "short_title",
        "start_year",
        "end_year",
        "overall_goal",
        "introduction",
    )
    names += ("knowledge_basis", "focus_areas_intro", "collaboration_structure")
    names += ("central_themes_intro", "administrative_follow_up", "long_term_effects_intro")
    names += ("evaluation_text", "process_intro", "place_signed")
    out = _texts(agreement, _("Avtalen"), names)
    for area in agreement.focus_areas.all():
        out |= _texts(area, _("Innsatsområde %(n)s") % {"n": area.number}, ("number", "title"))
    for goal in agreement.sub_goals.all():
        out |= _texts(goal, _("Delmål %(code)s") % {"code": goal.code}, ("code", "text"))
    for strategy in Strategy.objects.filter(sub_goal__agreement=agreement).select_related(
        "sub_goal"
    ):
        subject = _("Strategi %(label)s") % {"label": strategy.label}
        out |= _texts(strategy, subject, ("order", "text", "note", "note_url"))
    for model, subject in (
        (CentralTheme, _("Sentralt tema %(n)s")),
        (LongTermEffect, _("Langsiktig effekt %(n)s")),
        (ProcessEvent, _("Forankring og prosess, steg %(n)s")),
    ):
        extra = ("when", "date") if model is ProcessEvent else ()
        for item in model.objects.filter(agreement=agreement):
            out |= _texts(item, subject % {"n": item.order}, ("order", "text", *extra))
    for membership in agreement.memberships.select_related("party"):
        subject = _("Part: %(name)s") % {"name": membership.party.name}
        out |= _texts(membership, subject, ("adopted_by", "adopted_on", "case_number"))
    for signatory in agreement.signatories.all():
        out |= _texts(signatory, _("Underskriver"), ("name", "title"))
    return out


def record_revisions(agreement: Agreement, user: User | None, before: Snapshot) -> int:
    """One revision per text that differs from ``before``, if the agreement is adopted."""
    agreement.refresh_from_db()
    if agreement.status != Agreement.Status.ADOPTED:
        return 0
    after = text_snapshot(agreement)
    revisions = []
    for key in sorted(before.keys() | after.keys(), key=str):
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None and old[2] == new[2]:
            continue
        subject, label, _text = new or old  # type: ignore[misc]  # one of the two is there: the key came from one of them
        revisions.append(
            AgreementRevision(
                agreement=agreement,
                user=user,
                subject=subject[:300],
                field=label[:120],
                old_text=old[2] if old else "",
                new_text=new[2] if new else "",
            )
        )
    AgreementRevision.objects.bulk_create(revisions)
    return len(revisions)


@contextmanager
def keeping_revisions(agreement: Agreement, user: User | None) -> Iterator[None]:
    """Run a change in one transaction and keep its revisions (adopted agreements)."""
    with transaction.atomic():
        before = text_snapshot(agreement)
        yield
        record_revisions(agreement, user, before)


# --- A new agreement ------------------------------------------------------------------------------


def agreement_create(*, data: dict, county: Party, by: User) -> Agreement:
    """A new draft agreement with ``county`` as its first party. ``data``: the model's fields
    (title, short_title, slug, start_year, end_year, is_public, is_example)."""
    if not rules.can_set_up_agreements(by):
        raise ValidationError(_("Du har ikke lov til å sette opp avtaler."))
    if data["slug"] in RESERVED_SLUGS or Agreement.objects.filter(slug=data["slug"]).exists():
        raise ValidationError({"slug": _("Kortnavnet er allerede i bruk. Velg et annet.")})
    with transaction.atomic():
        agreement = Agreement(**data, status=Agreement.Status.DRAFT, overall_goal="")
        agreement.full_clean(exclude=["overall_goal"])
        agreement.save()
        AgreementParty.objects.create(agreement=agreement, party=county, order=1)
        if not rules.is_admin(by):
            Coordinator.objects.create(
                agreement=agreement, party=county, user=by, role=Coordinator.Role.COORDINATOR
            )
    return agreement


def party_create(name: str, kind: str) -> Party:
    """A party the portal did not know, its address name made from its name."""
    base = slugify(name.lower().translate(NORWEGIAN_LETTERS))[:70] or "part"
    slug, n = base, 1
    while Party.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    party = Party(name=name, slug=slug, kind=kind)
    party.full_clean()
    party.save()
    return party


# --- Items edited in place ------------------------------------------------------------------------


def _place(items: Sequence[models.Model], attr: str, save: Callable[[models.Model], None]) -> None:
    """Number ``items`` 1, 2, … in ``attr``, out of the way first (the numbers are unique)."""
    for index, item in enumerate(items, start=1):
        if getattr(item, attr) != index:
            setattr(item, attr, TEMPORARY + index)
            save(item)
    for index, item in enumerate(items, start=1):
        if getattr(item, attr) != index:
            setattr(item, attr, index)
            save(item)


def recode(agreement: Agreement) -> None:
    """Innsatsområder 1, 2, … and each one's delmål «N.1», «N.2», …, in their present order."""
    areas = list(agreement.focus_areas.order_by("number", "pk"))
    _place(areas, "number", lambda area: area.save(update_fields=["number"]))
    goals = list(agreement.sub_goals.order_by("focus_area__number", "order", "code", "pk"))
    for index, goal in enumerate(goals):
        goal.code = f"~{index}"
        goal.save(update_fields=["code"])
    for area in areas:
        for order, goal in enumerate((g for g in goals if g.focus_area_id == area.pk), start=1):
            goal.code, goal.order = f"{area.number}.{order}", order
            goal.save(update_fields=["code", "order"])


def _renumber(kind: Kind, items: list[models.Model]) -> None:
    _place(items, kind.position, lambda item: item.save(update_fields=[kind.position]))


def item_add(kind: Kind, owner: models.Model, values: dict) -> models.Model:
    """A new item at the end of ``owner``'s list (``owner``: the agreement, innsatsområde or
    delmål the list belongs to)."""
    queryset = kind.model._default_manager.filter(**{kind.parent: owner})
    last = queryset.aggregate(last=models.Max(kind.position))["last"] or 0
    obj = kind.model(**{kind.parent: owner, kind.position: last + 1}, **values)
    if isinstance(obj, SubGoal):
        obj.agreement_id = obj.focus_area.agreement_id
        obj.code = f"{obj.focus_area.number}.{last + 1}"
    obj.full_clean(exclude=[kind.parent])
    obj.save()
    return obj


def item_move(kind: Kind, obj: models.Model, *, up: bool) -> bool:
    """Swap ``obj`` with its neighbour above or below; False when it is first or last."""
    items = kind.siblings(obj)
    index = next(i for i, item in enumerate(items) if item.pk == obj.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    _renumber(kind, items)
    if isinstance(obj, FocusArea | SubGoal):
        recode(agreement_of_item(obj))
    return True


class InUse(Exception):
    """The item is used elsewhere (an action, an assessment, an indicator; for a party: its
    people, signatories, invitations or meetings in the agreement) and stays."""


def _party_in_use(membership: AgreementParty) -> bool:
    agreement, party = membership.agreement, membership.party_id
    return (
        agreement.coordinators.filter(party=party).exists()
        or agreement.signatories.filter(party=party).exists()
        or agreement.invitations.filter(party=party).exists()
        or agreement.meetings.filter(inviting_party=party).exists()
    )


def item_delete(kind: Kind, obj: models.Model) -> None:
    """Remove ``obj`` (and what it holds) and close the gap in its list."""
    agreement = agreement_of_item(obj)
    if isinstance(obj, AgreementParty) and _party_in_use(obj):
        raise InUse
    siblings = [item for item in kind.siblings(obj) if item.pk != obj.pk]
    try:
        with transaction.atomic():
            obj.delete()
    except IntegrityError as exc:  # ProtectedError and RestrictedError are IntegrityErrors
        raise InUse from exc
    _renumber(kind, siblings)
    if isinstance(obj, FocusArea | SubGoal):
        recode(agreement)


# --- Pasting the text -----------------------------------------------------------------------------


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def load_data(agreement: Agreement, parsed: dict) -> dict:
    """The loader's dict: ``parsed`` texts (agreements/parse.py) with the agreement's own
    title, period, parties and basis documents. The signatories in the text are matched to the
    parties in order when there are as many of each; otherwise the agreement keeps its own."""
    memberships = list(agreement.memberships.select_related("party"))
    parties = [
        {
            "slug": m.party.slug,
            "name": m.party.name,
            "kind": m.party.kind,
            "website": m.party.website,
            "adopted_by": m.adopted_by,
            "adopted_on": _date(m.adopted_on),
            "case_number": m.case_number,
        }
        for m in memberships
    ]
    signatories = [
        {"party": s.party.slug, "name": s.name, "title": s.title}
        for s in agreement.signatories.select_related("party")
    ]
    found = parsed.get("signatories", [])
    if found and len(found) == len(memberships):
        signatories = [
            {"party": m.party.slug, "name": s["name"], "title": s["title"]}
            for m, s in zip(memberships, found, strict=True)
        ]
    documents = agreement.basis_documents.values("kind", "title", "description", "url")
    own = {
        "slug": agreement.slug,
        "title": agreement.title,
        "short_title": agreement.short_title,
        "status": agreement.status,
        "start_year": agreement.start_year,
        "end_year": agreement.end_year,
        "is_public": agreement.is_public,
        "parties": parties,
        "signatories": signatories,
        "basis_documents": list(documents),
    }
    return {**parsed, **own}


def paste_save(agreement: Agreement, parsed: dict, *, by: User) -> int:
    """Write the pasted structure over the agreement's (reset: what the text lacks goes).
    Returns the number of revisions kept. ValidationError when the loader refuses it."""
    data = load_data(agreement, parsed)
    if not data.get("place_signed"):
        data["place_signed"] = agreement.place_signed
    try:
        with keeping_revisions(agreement, by):
            agreement_load(data=data, reset=True)
    except AgreementFileError as exc:
        raise ValidationError(
            _(
                "Teksten kunne ikke lagres slik den er. Noe av det som skal fjernes er i bruk i "
                "handlingsplaner, vurderinger eller indikatorer, eller en tekst er for lang."
            )
        ) from exc
    return agreement.revisions.count()
