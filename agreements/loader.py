"""Loading an agreement's text from its fixture file (``fixtures/tromsvekstavtalen-*.json``, format
``tromsvekst-agreement/1``): ``read_agreement_file`` reads and checks the file, ``agreement_load``
writes it, matched by natural keys so that loading again changes only what differs."""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import DataError, IntegrityError, models, transaction

from agreements.models import (
    Agreement,
    AgreementParty,
    BasisDocument,
    CentralTheme,
    FocusArea,
    LongTermEffect,
    Party,
    ProcessEvent,
    Signatory,
    Strategy,
    SubGoal,
)

FIXTURE_FORMAT = "tromsvekst-agreement/1"

AGREEMENT_TEXT_FIELDS = [
    "title",
    "short_title",
    "status",
    "start_year",
    "end_year",
    "overall_goal",
    "introduction",
    "knowledge_basis",
    "focus_areas_intro",
    "collaboration_structure",
    "central_themes_intro",
    "administrative_follow_up",
    "long_term_effects_intro",
    "evaluation_text",
    "process_intro",
    "place_signed",
    "is_public",
]

M = TypeVar("M", bound=models.Model)


class AgreementFileError(ValueError):
    """The agreement file is not in the expected format."""


@dataclass
class LoadResult:
    agreement: Agreement
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0
    messages: list[str] = field(default_factory=list)


def read_agreement_file(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AgreementFileError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FIXTURE_FORMAT:
        raise AgreementFileError(f"{path}: not a {FIXTURE_FORMAT} file.")
    return data


class _Upsert:
    """get_or_create by natural key; with reset, also overwrite the other fields."""

    def __init__(self, result: LoadResult, reset: bool):
        self.result = result
        self.reset = reset

    def __call__(self, model: type[M], defaults: dict, **key: Any) -> M:
        obj = model._default_manager.filter(**key).first()
        if obj is None:
            obj = model._default_manager.create(**key, **defaults)
            self.result.created += 1
            return obj
        if self.reset:
            changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, defaults[name])
                obj.save(update_fields=changed)
                self.result.updated += 1
        else:
            self.result.kept += 1
        return obj

    def prune(self, queryset: models.QuerySet[Any], keep_pks: list[int]) -> None:
        """With reset, delete what the file no longer has."""
        if self.reset:
            deleted, _ = queryset.exclude(pk__in=keep_pks).delete()
            self.result.deleted += deleted


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@transaction.atomic
def agreement_load(*, data: dict, reset: bool = False) -> LoadResult:
    """Load an agreement from its fixture data.

    Loading again adds what is missing and leaves everything else as the portal has it;
    with ``reset`` the texts are set back to the file's and anything the file lacks is deleted.
    Rows are matched by natural keys (party slug, focus-area number, sub-goal code, order), so
    action plans that point at strategies survive a reset.
    """
    try:
        existing = Agreement.objects.filter(slug=data["slug"]).first()
        result = LoadResult(agreement=existing)  # type: ignore[arg-type]  # None on a first load only until the saved agreement replaces it below
        upsert = _Upsert(result, reset)
        agreement = upsert(
            Agreement, {name: data[name] for name in AGREEMENT_TEXT_FIELDS}, slug=data["slug"]
        )
        result.agreement = agreement
        parties = _load_parties(upsert, agreement, data)
        _load_signatories(upsert, agreement, data, parties)
        _load_focus_areas(upsert, agreement, data)
        _load_texts(upsert, agreement, data)
    except (KeyError, TypeError, ValueError, IntegrityError, DataError) as exc:
        raise AgreementFileError(f"The agreement file is incomplete or malformed: {exc!r}") from exc
    return result


def _load_parties(upsert: _Upsert, agreement: Agreement, data: dict) -> dict[str, Party]:
    """The parties and their adoption of the agreement; returns the parties by slug."""
    membership_pks, parties = [], {}
    for order, item in enumerate(data["parties"], start=1):
        party = upsert(
            Party,
            {"name": item["name"], "kind": item["kind"], "website": item["website"]},
            slug=item["slug"],
        )
        adoption = {
            "adopted_by": item["adopted_by"],
            "adopted_on": _date(item["adopted_on"]),
            "order": order,
        }
        if "case_number" in item:  # the files of fixtures/ have none; the portal's set-up has
            adoption["case_number"] = item["case_number"]
        membership = upsert(
            AgreementParty,
            adoption,
            agreement=agreement,
            party=party,
        )
        membership_pks.append(membership.pk)
        parties[party.slug] = party
    upsert.prune(agreement.memberships.all(), membership_pks)
    return parties


def _load_signatories(
    upsert: _Upsert, agreement: Agreement, data: dict, parties: dict[str, Party]
) -> None:
    keep = []
    for order, item in enumerate(data["signatories"], start=1):
        party = parties.get(item["party"])
        if party is None:
            raise AgreementFileError(
                f"signatory {item['name']!r}: {item['party']!r} is not a party to the agreement"
            )
        signatory = upsert(
            Signatory,
            {"party": party, "name": item["name"], "title": item["title"]},
            agreement=agreement,
            order=order,
        )
        keep.append(signatory.pk)
    upsert.prune(agreement.signatories.all(), keep)


def _load_focus_areas(upsert: _Upsert, agreement: Agreement, data: dict) -> None:
    """Innsatsområder → delmål → strategier."""
    area_pks, goal_pks = [], []
    for area_data in data["focus_areas"]:
        area = upsert(
            FocusArea,
            {"title": area_data["title"]},
            agreement=agreement,
            number=area_data["number"],
        )
        area_pks.append(area.pk)
        for goal_order, goal_data in enumerate(area_data["sub_goals"], start=1):
            goal = upsert(
                SubGoal,
                {"focus_area": area, "text": goal_data["text"], "order": goal_order},
                agreement=agreement,
                code=goal_data["code"],
            )
            goal_pks.append(goal.pk)
            _load_strategies(upsert, goal, goal_data["strategies"])
    upsert.prune(agreement.sub_goals.all(), goal_pks)
    upsert.prune(agreement.focus_areas.all(), area_pks)


def _load_strategies(upsert: _Upsert, goal: SubGoal, items: list) -> None:
    strategy_pks = []
    for order, item in enumerate(items, start=1):
        if isinstance(item, str):
            item = {"text": item}
        strategy = upsert(
            Strategy,
            {
                "text": item["text"],
                "note": item.get("note", ""),
                "note_url": item.get("note_url", ""),
            },
            sub_goal=goal,
            order=order,
        )
        strategy_pks.append(strategy.pk)
    upsert.prune(goal.strategies.all(), strategy_pks)


def _load_texts(upsert: _Upsert, agreement: Agreement, data: dict) -> None:
    """The basis documents, central themes, long-term effects and the process steps."""
    keep = []
    for order, item in enumerate(data["basis_documents"], start=1):
        document = upsert(
            BasisDocument,
            {key: item[key] for key in ("kind", "title", "description", "url")},
            agreement=agreement,
            order=order,
        )
        keep.append(document.pk)
    upsert.prune(agreement.basis_documents.all(), keep)

    for model, key in ((CentralTheme, "central_themes"), (LongTermEffect, "long_term_effects")):
        keep = [
            upsert(model, {"text": text}, agreement=agreement, order=order).pk
            for order, text in enumerate(data[key], start=1)
        ]
        upsert.prune(model.objects.filter(agreement=agreement), keep)

    keep = [
        upsert(
            ProcessEvent,
            {"text": item["text"], "when": item["when"], "date": _date(item["date"])},
            agreement=agreement,
            order=order,
        ).pk
        for order, item in enumerate(data["process_events"], start=1)
    ]
    upsert.prune(agreement.process_events.all(), keep)
