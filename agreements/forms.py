"""Forms for the people of an agreement, its meetings, decisions and tasks.

The agenda item's form, which links the item to actions and milestones, is in
``actionplans.forms`` (the plan side owns everything that joins meetings with progress).

The rules live in ``agreements.services``; a form's ``clean`` calls the same check the service
makes, so that the user sees the message beside the field instead of a crash.
"""

import datetime
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from agreements import rules, selectors, services
from agreements.models import (
    Agreement,
    Coordinator,
    Meeting,
    Party,
)
from tromsvekst.lib.dates import local_tz
from tromsvekst.lib.forms import DateInput, TimeInput, add_service_errors
from tromsvekst.lib.names import display_name

# --- Coordinators and readers -------------------------------------------------------------------


class CoordinatorChangeForm(forms.Form):
    """Change a role: what ``actor`` may choose is ``rules.may_appoint`` (the parties they may
    appoint for; their own role and party are shown but cannot be changed)."""

    party: "forms.ModelChoiceField[Party]" = forms.ModelChoiceField(
        label=_("Avtalepart"),
        queryset=None,
        empty_label=_("Velg part"),
        error_messages={
            "required": _("Velg hvilken part personen representerer."),
            "invalid_choice": _("Velg en av avtalens parter."),
        },
    )
    role = forms.ChoiceField(
        label=_("Rolle"),
        choices=Coordinator.Role.choices,
        widget=forms.RadioSelect,
        help_text=_("Koordinatorer kan endre planer og møter. Lesere (politikere) kan lese."),
        error_messages={"required": _("Velg en rolle."), "invalid_choice": _("Velg en rolle.")},
    )
    title = forms.CharField(label=_("Stilling"), max_length=200, required=False)
    phone = forms.CharField(label=_("Telefon"), max_length=40, required=False)

    def __init__(
        self,
        *args: Any,
        agreement: Agreement,
        actor: User,
        target: User | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.agreement, self.actor, self.target = agreement, actor, target
        self.is_self = target is not None and target.pk == actor.pk
        parties = agreement.parties.all()
        if self.is_self:
            # Disabled fields keep their initial value whatever is posted.
            for name in ("party", "role"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _(
                    "Du kan ikke endre din egen rolle eller part. Be en annen koordinator eller "
                    "en administrator om det."
                )
        else:
            parties = parties.filter(pk__in=rules.appointable_party_ids(actor, agreement))
        cast("forms.ModelChoiceField[Party]", self.fields["party"]).queryset = parties
        self.fields["phone"].widget.input_type = "tel"  # one type attribute, not text and tel
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("party") is not None and data.get("role"):
            services.check_appointment(
                by=self.actor,
                agreement=self.agreement,
                party=data["party"],
                role=data["role"],
                target=self.target,
            )
        return data


class InvitationForm(CoordinatorChangeForm):
    """Invite a person by name and e-mail address ("Legg til person"; agreements.invitations).

    Nothing is looked up about the address: the answer is the same whether or not it has an
    account in the portal.
    """

    name = forms.CharField(
        label=_("Navn"),
        max_length=300,
        error_messages={"required": _("Skriv navnet til personen.")},
    )
    email = forms.EmailField(
        label=_("E-postadresse"),
        max_length=254,
        error_messages={
            "required": _("Skriv e-postadressen til personen."),
            "invalid": _("Skriv en gyldig e-postadresse, som navn@eksempel.no."),
            "max_length": _("E-postadressen kan ha høyst 254 tegn."),
        },
    )

    field_order = ["name", "email", "party", "role", "title", "phone"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, target=None, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"


# --- Meetings -----------------------------------------------------------------------------------


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime | None:
    """The moment ``time`` on ``day`` in Europe/Oslo, or None if the clock skips it that day."""
    tz = local_tz()
    moment = datetime.datetime.combine(day, time, tzinfo=tz)
    # A time in the spring-forward gap (02:00–03:00 on the last Sunday of March) does not exist.
    back = moment.astimezone(datetime.UTC).astimezone(tz)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        return None
    return moment


MEETING_FIRST_DAY = datetime.date(1900, 1, 1)
MEETING_LAST_DAY = datetime.date(2100, 12, 31)
MEETING_DAY_RANGE = _("Skriv en dato mellom 1.1.1900 og 31.12.2100.")


class MeetingForm(forms.Form):
    title = forms.CharField(
        label=_("Tittel"),
        max_length=200,
        error_messages={"required": _("Skriv en tittel for møtet.")},
    )
    kind = forms.ChoiceField(
        label=_("Type møte"),
        choices=Meeting.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_("Kapittel 5.1: to møter årlig, ett fysisk og ett digitalt."),
        error_messages={"required": _("Velg fysisk eller digitalt møte.")},
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Meeting.Status.choices,
        initial=Meeting.Status.PLANNED,
        help_text=_("Et utkast trenger ikke sted eller lenke ennå."),
    )
    date = forms.DateField(
        label=_("Dato"),
        widget=DateInput,
        # A date at the edge of the calendar (year 1 or 9999) cannot be turned into a moment
        # in UTC, and no meeting is planned there.
        validators=[
            MinValueValidator(MEETING_FIRST_DAY, message=MEETING_DAY_RANGE),
            MaxValueValidator(MEETING_LAST_DAY, message=MEETING_DAY_RANGE),
        ],
        error_messages={
            "required": _("Skriv datoen for møtet."),
            "invalid": _("Skriv datoen som for eksempel 2026-03-30."),
        },
    )
    start_time = forms.TimeField(
        label=_("Starter kl."),
        widget=TimeInput,
        help_text=_("Norsk tid."),
        error_messages={
            "required": _("Skriv når møtet starter."),
            "invalid": _("Skriv klokkeslettet som for eksempel 10:00."),
        },
    )
    end_time = forms.TimeField(
        label=_("Slutter kl."),
        widget=TimeInput,
        help_text=_("Norsk tid."),
        error_messages={
            "required": _("Skriv når møtet slutter."),
            "invalid": _("Skriv klokkeslettet som for eksempel 14:00."),
        },
    )
    place = forms.CharField(
        label=_("Sted"),
        max_length=300,
        required=False,
        help_text=_("Påkrevd for fysiske møter, for eksempel «Harstad rådhus»."),
    )
    video_link = forms.URLField(
        label=_("Lenke til digitalt møte"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Påkrevd for digitale møter, for eksempel en Teams-lenke."),
        error_messages={"invalid": _("Skriv en gyldig nettadresse, som https://…")},
    )
    inviting_party: "forms.ModelChoiceField[Party]" = forms.ModelChoiceField(
        label=_("Inviterende part"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Velg hvem som inviterer."),
            "invalid_choice": _("Velg en av avtalens parter."),
        },
    )
    participants: "forms.ModelMultipleChoiceField[User]" = forms.ModelMultipleChoiceField(
        label=_("Deltakere"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Personer med en rolle i avtalen."),
        error_messages={
            "invalid_choice": _("Velg bare personer som har en rolle i denne avtalen."),
            "invalid_pk_value": _("Velg bare personer som har en rolle i denne avtalen."),
        },
    )
    minutes = forms.CharField(
        label=_("Referat"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )

    # Errors from services.meeting_validate, by model field name.
    SERVICE_FIELDS = {"start": "start_time", "end": "end_time"}

    def __init__(
        self, *args: Any, agreement: Agreement, meeting: Meeting | None = None, **kwargs: Any
    ) -> None:
        if meeting is not None and "initial" not in kwargs:
            start = meeting.start.astimezone(local_tz())
            end = meeting.end.astimezone(local_tz())
            kwargs["initial"] = {
                "title": meeting.title,
                "kind": meeting.kind,
                "status": meeting.status,
                "date": start.date(),
                "start_time": start.time(),
                "end_time": end.time(),
                "place": meeting.place,
                "video_link": meeting.video_link,
                "inviting_party": meeting.inviting_party_id,
                "participants": list(meeting.participants.values_list("pk", flat=True)),
                "minutes": meeting.minutes,
            }
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        self.meeting = meeting
        inviting_party = cast("forms.ModelChoiceField[Party]", self.fields["inviting_party"])
        inviting_party.queryset = agreement.parties.all()
        if meeting is None:
            self.fields["inviting_party"].initial = selectors.inviting_party_default(agreement)
            del self.fields["minutes"]
        # Required for one kind of meeting: the help text says which, "(valgfritt)" would mislead.
        self.fields["place"].conditionally_required = True  # type: ignore[attr-defined]  # our own flag, read by components/field.html
        self.fields["video_link"].conditionally_required = True  # type: ignore[attr-defined]  # our own flag, read by components/field.html
        participants = cast("forms.ModelMultipleChoiceField[User]", self.fields["participants"])
        participants.queryset = selectors.agreement_users(agreement)
        participants.label_from_instance = display_name  # type: ignore[method-assign, assignment]  # Django's documented way to label the choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        day = data.get("date")
        start = end = None
        if day is not None:
            for name in ("start_time", "end_time"):
                if data.get(name) is None:
                    continue
                moment = local_datetime(day, data[name])
                if moment is None:
                    self.add_error(
                        name,
                        _("Klokkeslettet finnes ikke denne dagen (overgang til sommertid)."),
                    )
                elif name == "start_time":
                    start = moment
                else:
                    end = moment
        data["start"], data["end"] = start, end
        if data.get("kind") and data.get("status"):
            try:
                services.meeting_validate(
                    agreement=self.agreement,
                    kind=data["kind"],
                    status=data["status"],
                    start=start,
                    end=end,
                    place=data.get("place", ""),
                    video_link=data.get("video_link", ""),
                    inviting_party=data.get("inviting_party"),
                )
            except ValidationError as exc:
                add_service_errors(self, exc, self.SERVICE_FIELDS)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in (
                "title",
                "kind",
                "status",
                "start",
                "end",
                "place",
                "video_link",
                "inviting_party",
                "participants",
            )
        }
        if "minutes" in self.fields:
            kwargs["minutes"] = data["minutes"]
        return kwargs


# --- Decisions, follow-up tasks ---------------------------------------------------------------


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Vedtak"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Vedtaket slik det står i protokollen."),
        error_messages={"required": _("Skriv vedtaket.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class FollowUpTaskForm(forms.Form):
    title = forms.CharField(
        label=_("Oppgave"),
        max_length=300,
        error_messages={"required": _("Skriv hva som skal gjøres.")},
    )
    responsible: "forms.ModelChoiceField[User]" = forms.ModelChoiceField(
        label=_("Ansvarlig"),
        queryset=None,
        empty_label=_("Velg ansvarlig"),
        help_text=_("En person med en rolle i avtalen."),
        error_messages={
            "required": _("Velg hvem som er ansvarlig."),
            "invalid_choice": _("Velg en person som har en rolle i denne avtalen."),
        },
    )
    due_date = forms.DateField(
        label=_("Frist"),
        widget=DateInput,
        error_messages={
            "required": _("Skriv en frist."),
            "invalid": _("Skriv fristen som en dato, for eksempel 2026-06-30."),
        },
    )

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        responsible = cast("forms.ModelChoiceField[User]", self.fields["responsible"])
        responsible.queryset = selectors.agreement_users(agreement)
        responsible.label_from_instance = display_name  # type: ignore[method-assign, assignment]  # Django's documented way to label the choices
