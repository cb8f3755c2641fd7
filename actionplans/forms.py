import datetime
from collections.abc import Callable, Iterable
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from actionplans import excel
from actionplans.models import Action, ActionPlan, Milestone, MilestoneQuerySet, Status
from actionplans.services import due_date_change_needs_reason, progress_validate
from agreements import selectors as agreement_selectors
from agreements.models import (
    AgendaItem,
    Agreement,
    CentralTheme,
    Coordinator,
    FocusArea,
    Meeting,
    Party,
    Strategy,
    SubGoal,
)
from tromsvekst.lib import uploads
from tromsvekst.lib.forms import DateInput, add_service_errors
from tromsvekst.lib.names import display_name


def _choices(field: forms.Field) -> "forms.ModelChoiceField[Any]":
    """A model choice field of the form (``self.fields`` types every field as a plain Field)."""
    return cast("forms.ModelChoiceField[Any]", field)


def _label_with(field: forms.Field, label: Callable[[Any], str]) -> None:
    """Show each choice of a model choice field as ``label(obj)``."""
    field.label_from_instance = label  # type: ignore[attr-defined]  # Django's documented way to label the choices


class ProgressForm(forms.Form):
    """A status update for one milestone. The plan page can hold many of these forms, so given
    the ``milestone``, each field's id names it (``status-<pk>``, ``percent-<pk>`` …, and
    ``percent-<pk>_helptext``, ``percent-<pk>_error``); ``focus`` puts the cursor in the status
    field (the row editor that has just opened)."""

    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    percent = forms.IntegerField(
        label=_("Prosent fullført"),
        min_value=0,
        max_value=100,
        help_text=_("Et helt tall fra 0 til 100. «Fullført» settes alltid til 100."),
        error_messages={"invalid": _("Skriv et helt tall fra 0 til 100.")},
        widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": False}),
        help_text=_("Påkrevd ved «Risiko» og «Forsinket»."),
    )
    evidence_url = forms.URLField(
        label=_("Lenke til dokumentasjon"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Valgfritt: lenke til referat, rapport eller sak."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self, *args: Any, milestone: Milestone | None = None, focus: bool = False, **kwargs: Any
    ) -> None:
        if milestone is not None:
            kwargs.setdefault("auto_id", f"%s-{milestone.pk}")
        super().__init__(*args, **kwargs)
        # Required at «Risiko» and «Forsinket» only: the label does not say «valgfritt».
        self.fields["comment"].conditionally_required = True  # type: ignore[attr-defined]  # our own flag
        if focus:
            self.fields["status"].widget.attrs["autofocus"] = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "status" in data and "percent" in data:
            try:
                progress_validate(
                    status=data["status"], percent=data["percent"], comment=data.get("comment", "")
                )
            except forms.ValidationError as exc:
                add_service_errors(self, exc)
        return data


class PlanFilterForm(forms.Form):
    """The plan page's filters, read from the query string; bad values are ignored."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alle"))] + list(Status.choices)
    )
    party = forms.ModelChoiceField(
        label=_("Ansvarlig part"),
        required=False,
        queryset=Party.objects.none(),
        empty_label=_("Alle"),
    )
    focus_area = forms.ModelChoiceField(
        label=_("Innsatsområde"),
        required=False,
        queryset=FocusArea.objects.none(),
        empty_label=_("Alle"),
    )
    overdue = forms.BooleanField(label=_("Bare forfalte"), required=False)
    # One action's milestones: «Vis milepælene» on a plan with many (see views.plan_detail).
    action = forms.IntegerField(
        label=_("Tiltak"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["party"]).queryset = agreement.parties.all()
        _choices(self.fields["focus_area"]).queryset = agreement.focus_areas.all()
        _label_with(self.fields["focus_area"], lambda fa: f"{fa.number}. {fa.title}")

    def filter(self, milestones: MilestoneQuerySet) -> MilestoneQuerySet:
        if not self.is_valid():
            return milestones
        data = self.cleaned_data
        if data.get("status"):
            milestones = milestones.filter(status=data["status"])
        if data.get("party"):
            milestones = milestones.filter(action__lead_party=data["party"])
        if data.get("focus_area"):
            milestones = milestones.filter(action__sub_goal__focus_area=data["focus_area"])
        if data.get("overdue"):
            milestones = milestones.overdue()
        if data.get("action"):
            milestones = milestones.filter(action_id=data["action"])
        return milestones

    @property
    def active(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


def _strategy_label(strategy: Strategy) -> str:
    return f"{strategy.sub_goal.code}: {strategy.text}"


def _sub_goal_label(sub_goal: SubGoal) -> str:
    return f"{sub_goal.code}: {Truncator(sub_goal.text).chars(100)}"


def _coordinator_label(coordinator: Coordinator) -> str:
    return f"{display_name(coordinator.user)} ({coordinator.party.name})"


def _agreement_coordinators(agreement: Agreement) -> QuerySet[Coordinator]:
    """The people who may be made responsible: this agreement's coordinators, not its readers."""
    return Coordinator.objects.filter(
        agreement=agreement, role=Coordinator.Role.COORDINATOR
    ).select_related("user", "party")


class ActionForm(forms.ModelForm):
    """Create or change a tiltak. Every choice is limited to the plan's own agreement."""

    class Meta:
        model = Action
        fields = [
            "number",
            "title",
            "description",
            "sub_goal",
            "strategies",
            "lead_party",
            "responsible",
            "partners",
            "order",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "strategies": forms.CheckboxSelectMultiple,
            "responsible": forms.CheckboxSelectMultiple,
            "partners": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "number": _("Nummer"),
            "title": _("Tittel"),
            "description": _("Beskrivelse"),
            "sub_goal": _("Delmål"),
            "strategies": _("Strategier tiltaket følger opp"),
            "lead_party": _("Ansvarlig part"),
            "responsible": _("Ansvarlige koordinatorer"),
            "partners": _("Samarbeidspartnere"),
            "order": _("Rekkefølge"),
        }
        help_texts = {
            "number": _("Entydig i planen, for eksempel «1.2-3»."),
            "sub_goal": _("Delmålet tiltaket hører under i planen."),
            "strategies": _("Velg minst én strategi fra avtalen."),
            "responsible": _("Bare koordinatorer for denne avtalen kan velges."),
            "partners": _("Valgfritt: andre som er med, for eksempel kommuner eller næringsliv."),
            "order": _("Tiltak med lavere tall vises først."),
        }
        error_messages = {
            "number": {"required": _("Skriv et nummer for tiltaket.")},
            "title": {"required": _("Skriv en tittel for tiltaket.")},
            "sub_goal": {
                "required": _("Velg delmålet tiltaket hører under."),
                "invalid_choice": _("Velg et delmål fra avtalen."),
            },
            "strategies": {
                "required": _("Velg minst én strategi tiltaket følger opp."),
                "invalid_choice": _("Velg bare strategier fra denne avtalen."),
                "invalid_pk_value": _("Velg bare strategier fra denne avtalen."),
            },
            "lead_party": {"invalid_choice": _("Velg en av avtalens parter.")},
            "responsible": {
                "invalid_choice": _("Velg bare koordinatorer for denne avtalen."),
                "invalid_pk_value": _("Velg bare koordinatorer for denne avtalen."),
            },
            "order": {"invalid": _("Skriv et helt tall.")},
        }

    def __init__(self, *args: Any, plan: ActionPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.instance.plan = plan
        agreement = plan.agreement
        fields = self.fields
        _choices(fields["sub_goal"]).queryset = SubGoal.objects.filter(agreement=agreement)
        _label_with(fields["sub_goal"], _sub_goal_label)
        _choices(fields["sub_goal"]).empty_label = _("Velg delmål")
        _choices(fields["strategies"]).queryset = Strategy.objects.filter(
            sub_goal__agreement=agreement
        ).select_related("sub_goal")
        _label_with(fields["strategies"], _strategy_label)
        _choices(fields["lead_party"]).queryset = agreement.parties.all()
        _choices(fields["lead_party"]).empty_label = _("Ingen valgt")
        _choices(fields["responsible"]).queryset = _agreement_coordinators(agreement)
        _label_with(fields["responsible"], _coordinator_label)

    def clean_number(self) -> str:
        number: str = self.cleaned_data["number"]
        # The model's unique constraint covers (plan, number), but plan is not a form field,
        # so ModelForm would skip it and the database would answer with an IntegrityError.
        taken = Action.objects.filter(plan=self.plan, number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Planen har allerede et tiltak med nummeret «%(number)s». Velg et annet nummer."),
                code="unique",
                params={"number": number},
            )
        return number

    def clean_strategies(self) -> QuerySet[Strategy]:
        strategies: QuerySet[Strategy] = self.cleaned_data["strategies"]
        # The queryset already limits the choices; this keeps the rule visible and unbreakable.
        foreign = [s for s in strategies if s.sub_goal.agreement_id != self.plan.agreement_id]
        if foreign:
            raise forms.ValidationError(
                _("Velg bare strategier fra denne avtalen."), code="invalid_choice"
            )
        return strategies


class MilestoneForm(forms.ModelForm):
    """Create or change a milestone. Status and percent change only by logging progress.

    When an existing milestone's due date changes, ``reason`` says why; it is required when
    services.due_date_change_needs_reason says so (the milestone has updates, an earlier move or
    a passed deadline), and the view saves through services.milestone_update, which records
    the change.
    """

    reason = forms.CharField(
        label=_("Hvorfor flyttes fristen?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Fyll ut hvis du endrer fristen. Begrunnelsen vises i milepælens historikk."),
    )
    field_order = ["title", "description", "due_date", "reason", "responsible", "order"]

    class Meta:
        model = Milestone
        fields = ["title", "description", "due_date", "responsible", "order"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "due_date": DateInput,
        }
        labels = {
            "title": _("Tittel"),
            "description": _("Beskrivelse"),
            "due_date": _("Frist"),
            "responsible": _("Ansvarlig"),
            "order": _("Rekkefølge"),
        }
        help_texts = {
            "order": _("Milepæler med samme frist vises i denne rekkefølgen."),
        }
        error_messages = {
            "title": {"required": _("Skriv en tittel for milepælen.")},
            "due_date": {
                "required": _("Skriv en frist."),
                "invalid": _("Skriv fristen som en dato, for eksempel 2026-06-30."),
            },
            "responsible": {"invalid_choice": _("Velg en koordinator for denne avtalen.")},
            "order": {"invalid": _("Skriv et helt tall.")},
        }

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.action = action
        plan = action.plan
        due = self.fields["due_date"]
        # The model allows no date only for a milestone carried over and waiting for a new one;
        # a form always asks for one.
        due.required = True
        # Milestone.clean() checks the period; these attributes let the browser help too.
        due.widget.attrs.update(
            {"min": plan.first_day.isoformat(), "max": plan.last_day.isoformat()}
        )
        due.help_text = _("En dato i planperioden, fra %(first)s til %(last)s.") % {
            "first": date_format(plan.first_day, "j. F Y"),
            "last": date_format(plan.last_day, "j. F Y"),
        }
        _choices(self.fields["responsible"]).queryset = _agreement_coordinators(plan.agreement)
        _label_with(self.fields["responsible"], _coordinator_label)
        _choices(self.fields["responsible"]).empty_label = _("Ingen valgt")
        if self.instance.pk is None:
            del self.fields["reason"]  # a new milestone has no deadline to move
        else:
            self.saved_due_date = self.instance.due_date
            self.reason_required = due_date_change_needs_reason(self.instance)
            if self.reason_required:
                self.fields["reason"].help_text = _(
                    "Påkrevd hvis du endrer fristen: milepælen har allerede statusoppdateringer, "
                    "en flyttet frist eller en frist som har passert. Begrunnelsen vises i "
                    "milepælens historikk, i oversikten og i møtebriefen."
                )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if "reason" not in self.fields:
            return data
        due_date = data.get("due_date")
        if (
            due_date is not None
            and due_date != self.saved_due_date
            and self.reason_required
            and self.saved_due_date is not None  # (a first deadline moves nothing)
            and not data.get("reason", "").strip()
        ):
            self.add_error(
                "reason",
                _(
                    "Skriv hvorfor fristen flyttes fra %(old)s til %(new)s. Begrunnelsen vises i "
                    "milepælens historikk."
                )
                % {
                    "old": date_format(self.saved_due_date, "j. F Y"),
                    "new": date_format(due_date, "j. F Y"),
                },
            )
        return data

    @property
    def due_date_moved(self) -> bool:
        return "reason" in self.fields and self.cleaned_data.get("due_date") != self.saved_due_date


def _fix_choices(field: forms.Field, objects: Iterable[Any] | None = None) -> None:
    """Read a select's options once, in one query: left as they are, they are read again each
    time the template asks (a COUNT and a server-side cursor on PostgreSQL)."""
    field = _choices(field)
    iterator = field.iterator(field)
    choices: list[Any] = [("", field.empty_label)] if field.empty_label is not None else []
    rows = field.queryset if objects is None else objects
    if rows is None:  # (every field given here has its queryset set)
        return
    field.choices = choices + [iterator.choice(obj) for obj in rows]


class ListedChoiceField(forms.ModelChoiceField):
    """A choice among model objects the view has read already (``listed``): the options are
    theirs and a submitted id is looked up among them, with no query of its own."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=None, **kwargs)
        self.listed: dict[int, Any] = {}

    def list(self, objects: list[Any]) -> None:
        self.listed = {obj.pk: obj for obj in objects}
        _fix_choices(self, objects)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            found = self.listed.get(int(str(value).strip()))
        except ValueError:
            found = None
        if found is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found


class DashboardFilterForm(forms.Form):
    """The dashboard's choices, kept in the URL so a link can be shared; bad values are ignored.
    The plans, parties and focus areas to choose among are the agreement's, read by the view."""

    plan = ListedChoiceField(label=_("Handlingsplan"), required=False, empty_label=None)
    party = ListedChoiceField(label=_("Ansvarlig part"), required=False, empty_label=_("Alle"))
    focus_area = ListedChoiceField(label=_("Innsatsområde"), required=False, empty_label=_("Alle"))
    since = forms.DateField(
        label=_("Endringer siden"),
        required=False,
        # Year 1 or 9999 cannot be turned into a moment in UTC: such a date is ignored.
        validators=[
            MinValueValidator(datetime.date(1900, 1, 1)),
            MaxValueValidator(datetime.date(2100, 12, 31)),
        ],
        widget=DateInput,
        help_text=_("Tomt: siden forrige avholdte møte."),
    )

    def __init__(
        self,
        *args: Any,
        plans: list[ActionPlan],
        parties: list[Party],
        focus_areas: list[FocusArea],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _label_with(self.fields["plan"], lambda p: p.period)
        _label_with(self.fields["focus_area"], lambda fa: f"{fa.number}. {fa.title}")
        for name, objects in (("plan", plans), ("party", parties), ("focus_area", focus_areas)):
            cast(ListedChoiceField, self.fields[name]).list(objects)

    def value(self, name: str) -> Any:
        """The cleaned value of a field, or None when it was missing or invalid."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


# --- Agenda items: a meeting's case and the actions and milestones it is about ------------------


def _central_theme_label(theme: CentralTheme) -> str:
    return Truncator(theme.text).chars(100)


class AgendaItemForm(forms.Form):
    number = forms.IntegerField(
        label=_("Saksnummer"),
        min_value=1,
        max_value=32767,
        help_text=_("Foreslått: neste ledige nummer i møtet."),
        error_messages={
            "required": _("Skriv et saksnummer."),
            "invalid": _("Skriv et helt tall."),
            "min_value": _("Saksnummeret må være 1 eller høyere."),
        },
    )
    title = forms.CharField(
        label=_("Tittel"),
        max_length=300,
        error_messages={"required": _("Skriv en tittel for saken.")},
    )
    description = forms.CharField(
        label=_("Beskrivelse"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    sub_goal: "forms.ModelChoiceField[SubGoal]" = forms.ModelChoiceField(
        label=_("Delmål"),
        queryset=None,
        required=False,
        empty_label=_("Ingen valgt"),
        error_messages={"invalid_choice": _("Velg et delmål fra denne avtalen.")},
    )
    central_theme: "forms.ModelChoiceField[CentralTheme]" = forms.ModelChoiceField(
        label=_("Sentralt tema"),
        queryset=None,
        required=False,
        empty_label=_("Ingen valgt"),
        help_text=_("Tema fra kapittel 5.1, for eksempel Evenes lufthavn."),
        error_messages={"invalid_choice": _("Velg et sentralt tema fra denne avtalen.")},
    )
    actions: "forms.ModelMultipleChoiceField[Action]" = forms.ModelMultipleChoiceField(
        label=_("Tiltak saken gjelder"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Velg bare tiltak fra denne avtalen."),
            "invalid_pk_value": _("Velg bare tiltak fra denne avtalen."),
        },
    )
    milestones: "forms.ModelMultipleChoiceField[Milestone]" = forms.ModelMultipleChoiceField(
        label=_("Milepæler saken gjelder"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Velg bare milepæler fra denne avtalen."),
            "invalid_pk_value": _("Velg bare milepæler fra denne avtalen."),
        },
    )

    def __init__(
        self,
        *args: Any,
        meeting: Meeting,
        agenda_item: AgendaItem | None = None,
        **kwargs: Any,
    ) -> None:
        if "initial" not in kwargs:
            if agenda_item is not None:
                kwargs["initial"] = {
                    "number": agenda_item.number,
                    "title": agenda_item.title,
                    "description": agenda_item.description,
                    "sub_goal": agenda_item.sub_goal_id,
                    "central_theme": agenda_item.central_theme_id,
                    "actions": [a.pk for a in agenda_item.actions.all()],
                    "milestones": [m.pk for m in agenda_item.milestones.all()],
                }
            else:
                kwargs["initial"] = {"number": agreement_selectors.next_agenda_number(meeting)}
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.agenda_item = agenda_item
        agreement = meeting.agreement
        fields = self.fields
        _choices(fields["sub_goal"]).queryset = SubGoal.objects.filter(
            agreement=agreement
        ).order_by("focus_area__number", "order", "code")
        _label_with(fields["sub_goal"], _sub_goal_label)
        _choices(fields["central_theme"]).queryset = CentralTheme.objects.filter(
            agreement=agreement
        )
        _label_with(fields["central_theme"], _central_theme_label)
        _choices(fields["actions"]).queryset = (
            Action.objects.filter(plan__agreement=agreement)
            .select_related("plan")
            .order_by("plan__start_year", "order", "number")
        )
        _label_with(
            fields["actions"],
            lambda a: f"{a.number} {a.title} ({a.plan.start_year}–{a.plan.end_year})",
        )
        _choices(fields["milestones"]).queryset = (
            Milestone.objects.filter(action__plan__agreement=agreement)
            .select_related("action")
            .order_by("action__plan__start_year", "action__order", "action__number", "due_date")
        )
        _label_with(
            fields["milestones"], lambda m: f"{m.action.number}: {m.title} ({m.due_date:%d.%m.%Y})"
        )


# --- The plan as an Excel file ------------------------------------------------------------------


class PlanImportForm(forms.Form):
    """The Excel file to import into a plan (rendered by components/upload.html)."""

    file = forms.FileField(
        label=_("Excel-fil (.xlsx)"),
        error_messages={
            "required": _("Velg en fil å laste opp."),
            "empty": _("Filen er tom."),
            "invalid": _("Velg en fil å laste opp."),
            "missing": _("Velg en fil å laste opp."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{excel.XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Høyst %(max)s MB og %(rows)s rader. Planen leses fra det første arket."
        ) % {"max": uploads.megabytes(excel.max_upload_bytes()), "rows": excel.MAX_ROWS}


class PlanImportConfirmForm(forms.Form):
    """«Bekreft import» on the preview: the SHA-256 of the previewed file, and why due dates
    move (required when the preview asks for it; ``excel.plan_import_apply`` checks)."""

    digest = forms.CharField(max_length=64, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Hvorfor flyttes fristene?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
