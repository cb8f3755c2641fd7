"""Property-based tests: every form in the portal, and every upload, takes arbitrary input without
a server error, and either accepts it and saves exactly what the form validated, or saves nothing.

What is sent (Hypothesis, see ``payloads``): for each field of the form, chosen by the field's
type, values that should pass (so that the accepting path is exercised too) or arbitrary ones:
text with any Unicode, control characters, NUL, right-to-left marks and very long runs; numbers
huge, negative, fractional, «NaN», «Infinity», with a decimal comma or in other scripts; dates
and times invalid, out of range (year 1 and 9999) or in odd formats; unknown choices and ids;
fields left out. Some requests are raw ``application/x-www-form-urlencoded`` bodies with
arbitrary bytes, which is how half a surrogate pair or any other invalid UTF-8 reaches a form.
Uploads get arbitrary bytes, and workbooks, CSV and JSON-stat files with arbitrary cells.

What must hold for each request:

- the status is below 500 (and the test client re-raises any exception a view lets out);
- when the form was accepted (a redirect), the object it saved holds exactly what the form
  validated (the form, run on the same data before the request, is the oracle), and only the
  tables the view writes to changed;
- otherwise nothing in the database changed: not one row of the tables the view writes to, and
  not the number of rows of any table.

Every example runs in a savepoint that is rolled back, so each starts from the same data. The
coverage tests list the forms of every app of the project and every named URL: a new form or
form view fails them until it is added below (or its URL is listed as one that takes no input).
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import inspect
import io
import json
import pkgutil
import urllib.parse
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook

from actionplans import excel
from actionplans.admin import CorrectionForm
from actionplans.forms import (
    ActionForm,
    AgendaItemForm,
    DashboardFilterForm,
    ListedChoiceField,
    MilestoneForm,
    PlanFilterForm,
    PlanImportConfirmForm,
    PlanImportForm,
)
from actionplans.forms import ProgressForm as ProgressLogForm
from actionplans.forms_attachments import AttachmentForm
from actionplans.models import (
    Action,
    ActionPlan,
    Attachment,
    Milestone,
    MilestoneDueDateChange,
    ProgressUpdate,
)
from actionplans.views_plan_create import PlanCreateForm
from agreements import setup
from agreements.forms import (
    CoordinatorChangeForm,
    DecisionForm,
    FollowUpTaskForm,
    InvitationForm,
    MeetingForm,
    local_datetime,
)
from agreements.forms_setup import (
    AgreementCreateForm,
    AgreementTextsForm,
    PartyAddForm,
    PasteForm,
    PreviewForm,
    SignatoryForm,
    item_form,
)
from agreements.models import (
    AgendaItem,
    Agreement,
    AgreementParty,
    AgreementRevision,
    BasisDocument,
    CentralTheme,
    Coordinator,
    Decision,
    FocusArea,
    FollowUpTask,
    Invitation,
    LongTermEffect,
    Meeting,
    Party,
    ProcessEvent,
    Signatory,
    Strategy,
    SubGoal,
)
from agreements.parse import parse_agreement_text
from evaluation import indicators
from evaluation import services as evaluation_services
from evaluation.forms import AssessmentForm, EvaluationCreateForm, EvaluationForm
from evaluation.forms import RecommendationForm as RecommendationEditForm
from evaluation.forms_feedback import HONEYPOT, FeedbackForm
from evaluation.forms_indicator_values import (
    IndicatorChoiceForm,
    IndicatorImportConfirmForm,
    IndicatorValueDeleteForm,
    IndicatorValueForm,
)
from evaluation.forms_indicators import IndicatorForm, IndicatorImportForm
from evaluation.forms_search import SearchForm
from evaluation.models import (
    Evaluation,
    Feedback,
    Indicator,
    IndicatorImportDraft,
    IndicatorValue,
    IndicatorValueChange,
    Recommendation,
    SubGoalAssessment,
)
from evaluation.services_indicators import draft_read, values_fingerprint
from tests.helpers.agreement_setup import HALOGALAND_TEXT
from tests.helpers.robustness import ROBUSTNESS
from tromsvekst.accounts import mfa, signin
from tromsvekst.accounts.forms import (
    PortalAuthenticationForm,
    PortalPasswordResetForm,
    PortalSetPasswordForm,
)
from tromsvekst.accounts.views_mfa import CodeForm, EnrolForm
from tromsvekst.audit.forms import AuditFilterForm

OSLO = ZoneInfo("Europe/Oslo")

# --------------------------------------------------------------------------------------------
# Strategies for field values

SPECIAL_TEXT = [
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\u202eevil\u202c",
    "\ufeff",
    "\u200b",
    "𝕳å𝖑ø 🇳🇴 👩‍👩‍👧",
    "Ǆǅǆ ß ﬁ İı",
    "<script>alert(1)</script>",
    "'; DROP TABLE auth_user; --",
    '=HYPERLINK("http://x")',
    "{{ request }} {% debug %}",
    "%(name)s %s %d {0}",
    "\r\n\r\n",
    " \t ",
    "null",
    "../../etc/passwd",
]

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(SPECIAL_TEXT),
    # Very long: one character repeated (cheap to make, still past every max_length).
    st.builds(lambda char, n: char * n, st.characters(), st.integers(150, 20_000)),
    st.text(st.characters(max_codepoint=0x1F), max_size=20),
)
NUMBER_TEXT = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.integers(-5, 200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "NaN",
            "-Infinity",
            "1e309",
            "-0",
            "1 234,5",
            "1.234,5",
            "١٢٣",
            "１２",
            "0x10",
            "1_000",
            "9" * 5000,
            "\u22125",
            "3,",
            ",5",
            "1e-999999999",
            "32768",
            "65536",
            "2147483648",
            "9223372036854775808",
        ]
    ),
)
DATE_TEXT = st.one_of(
    st.dates().map(datetime.date.isoformat),
    st.dates().map(lambda day: f"{day.day:02d}.{day.month:02d}.{day.year:04d}"),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-13-01",
            "0000-00-00",
            "99999-12-31",
            "-2026-01-01",
            "2026-1-1",
            "31/12/2026",
            "2026-06-30T10:00",
            "i morgen",
            "2026-03-29",  # the spring-forward day
        ]
    ),
    st.from_regex(r"\d{1,6}-\d{1,3}-\d{1,3}", fullmatch=True),
)
TIME_TEXT = st.one_of(
    st.times().map(lambda t: t.strftime("%H:%M")),
    st.times().map(datetime.time.isoformat),
    st.sampled_from(["24:00", "23:60", "-1:00", "02:30", "00:30", "23:59", "9999:99", "12"]),
)
# The edges of the calendar and the day, where conversions to UTC and date arithmetic overflow.
EDGE_DATES = st.sampled_from(["0001-01-01", "9999-12-31", "01.01.0001", "31.12.9999"])
EDGE_TIMES = st.sampled_from(["00:00", "00:30", "23:59"])
URL_TEXT = st.sampled_from(
    [
        "https://teams.example/m/1",
        "teams.example/møte",
        "http://[::1]/",
        "javascript:alert(1)",
        "https://" + "a" * 600 + ".no",
        "https://xn--ls8h.la/",
        "ftp://x",
    ]
)
JUNK = st.one_of(TEXT, NUMBER_TEXT, DATE_TEXT)
OMIT = object()  # the field is left out of the request


def _pk_choices(field_: forms.ModelChoiceField) -> list[str]:
    if isinstance(field_, ListedChoiceField):  # among the objects the view has read
        return [str(pk) for pk in list(field_.listed)[:50]]
    return [str(pk) for pk in field_.queryset.values_list("pk", flat=True)[:50]]


def valid_value(name: str, field_: forms.Field):
    """Values a user of the page could send: the accepting path, with arbitrary text."""
    if isinstance(field_, forms.ModelMultipleChoiceField):
        return st.lists(st.sampled_from(_pk_choices(field_) or [""]), max_size=3, unique=True)
    if isinstance(field_, forms.ModelChoiceField):
        return st.sampled_from(_pk_choices(field_) + [""])
    if isinstance(field_, forms.MultipleChoiceField):
        return st.lists(st.sampled_from([str(c) for c, _label in field_.choices]), max_size=3)
    if isinstance(field_, forms.ChoiceField):
        return st.sampled_from([str(c) for c, _label in field_.choices])
    if isinstance(field_, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field_, forms.DateField):
        return st.dates(datetime.date(2024, 1, 1), datetime.date(2029, 12, 31)).map(str)
    if isinstance(field_, forms.TimeField):
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if isinstance(field_, forms.IntegerField):
        return st.integers(0, 3000).map(str)
    if isinstance(field_, forms.DecimalField):
        return st.decimals(-(10**6), 10**6, places=2).map(str)
    if isinstance(field_, forms.EmailField):
        return st.emails().map(lambda email: email[:254])
    if isinstance(field_, forms.URLField):
        return st.one_of(st.just(""), URL_TEXT)
    return st.one_of(st.text(min_size=1, max_size=60), st.sampled_from(SPECIAL_TEXT))


def any_value(name: str, field_: forms.Field):
    """Anything, typed or not, including values no browser would send."""
    if isinstance(field_, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return st.one_of(
            valid_value(name, field_), st.lists(st.one_of(NUMBER_TEXT, TEXT), max_size=4)
        )
    if isinstance(field_, forms.ChoiceField | forms.ModelChoiceField):
        return st.one_of(valid_value(name, field_), NUMBER_TEXT, TEXT)
    if isinstance(field_, forms.DateField):
        return st.one_of(EDGE_DATES, DATE_TEXT, TEXT)
    if isinstance(field_, forms.TimeField):
        return st.one_of(EDGE_TIMES, TIME_TEXT, TEXT)
    if isinstance(field_, forms.IntegerField | forms.DecimalField):
        return st.one_of(NUMBER_TEXT, TEXT)
    if isinstance(field_, forms.URLField | forms.EmailField):
        return st.one_of(URL_TEXT, TEXT, st.emails())
    return JUNK


# Files ---------------------------------------------------------------------------------------

CELL = st.one_of(
    st.none(),
    TEXT,
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(9999, 12, 31)),
)


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([str(column.header) for column in excel.COLUMNS])
    for values in rows:
        ws.append(
            [excel.ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _plan_row(world) -> st.SearchStrategy:
    """A row that could import, with any of its cells replaced by an arbitrary value."""
    typical = st.fixed_dictionaries(
        {
            "focus_area": st.sampled_from([1, 2, None]),
            "sub_goal": st.sampled_from(["1.1", "2.1", "9.9"]),
            "action_number": st.sampled_from(["1.1-1", "2.1-7", "X"]),
            "action_title": st.text(min_size=1, max_size=30),
            "strategies": st.sampled_from(["1.1.1", "1.1.1; 1.1.2", "2.1.1", "0.0.0"]),
            "lead_party": st.sampled_from([None, "Troms fylkeskommune", "Ukjent"]),
            "milestone_title": st.text(max_size=30),
            "description": st.text(max_size=30),
            "due_date": st.one_of(
                st.dates(datetime.date(2024, 6, 1), datetime.date(2027, 6, 1)).map(
                    lambda day: day.strftime("%d.%m.%Y")
                ),
                st.datetimes(datetime.datetime(2025, 1, 1), datetime.datetime(2026, 12, 31)),
            ),
            "status": st.sampled_from(["I rute", "Fullført", "Risiko", "Ikke startet", "x"]),
            "percent": st.integers(-1, 101),
        }
    )

    def mangle(row: dict, replaced: dict) -> list:
        cells = row | replaced
        return [cells.get(column.key) for column in excel.COLUMNS]

    keys = [column.key for column in excel.COLUMNS]
    return st.builds(mangle, typical, st.dictionaries(st.sampled_from(keys), CELL, max_size=3))


def plan_file(world) -> st.SearchStrategy:
    workbooks = st.lists(_plan_row(world), min_size=1, max_size=6).map(_xlsx)
    return st.one_of(workbooks, st.binary(max_size=2000), workbooks.map(lambda data: data[:-50]))


def _csv(rows: list[list[str]], separator: str) -> bytes:
    lines = [separator.join(["år", "verdi", "kilde"])]
    lines += [separator.join(row) for row in rows]
    return "\n".join(lines).encode()


def values_file(world) -> st.SearchStrategy:
    year = st.one_of(st.integers(2015, 2030).map(str), NUMBER_TEXT, DATE_TEXT)
    value = st.one_of(st.decimals(-(10**13), 10**13, places=3).map(str), NUMBER_TEXT)
    note = st.one_of(st.just(""), TEXT.map(lambda text: text.replace("\x00", "")))
    csv_file = st.builds(
        _csv,
        st.lists(st.lists(st.one_of(year, value, note), min_size=3, max_size=3), max_size=6),
        st.sampled_from([";", ",", "\t"]),
    )
    json_value = st.one_of(
        st.none(),
        st.integers(-(10**14), 10**14),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=5),
        st.booleans(),
    )
    json_file = st.builds(
        lambda years, vals, source: json.dumps(
            {
                "version": "2.0",
                "class": "dataset",
                "source": source,
                "id": ["Tid"],
                "size": [len(years)],
                "dimension": {"Tid": {"category": {"index": years}}},
                "value": vals,
            }
        ).encode(),
        st.lists(st.integers(1890, 2110).map(str), min_size=1, max_size=4, unique=True),
        st.lists(json_value, min_size=0, max_size=5),
        TEXT,
    )
    return st.one_of(csv_file, json_file, st.binary(max_size=2000))


# --------------------------------------------------------------------------------------------
# The data every case works on


@dataclass
class World:
    agreement: object
    coordinator: User
    admin: User
    reader: User
    reader_appointment: Coordinator
    plan: ActionPlan
    action: Action
    milestone: Milestone
    meeting: Meeting
    item: AgendaItem
    decision: Decision
    evaluation: Evaluation
    assessment: SubGoalAssessment
    recommendation: Recommendation
    indicator: Indicator


@pytest.fixture
def world(agreement, coordinator, reader, admin_user) -> World:
    county = Party.objects.get(slug="troms-fylkeskommune")
    council = Party.objects.get(slug="halogalandsradet")
    me = Coordinator.objects.get(agreement=agreement, user=coordinator)
    plan = ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    action = Action.objects.create(
        plan=plan, number="1.1-1", title="Boligstrategi", sub_goal=goal, lead_party=county
    )
    action.strategies.set(Strategy.objects.filter(sub_goal=goal)[:2])
    action.responsible.set([me])
    milestone = Milestone.objects.create(
        action=action, title="Kartlegging", due_date=datetime.date(2025, 6, 30)
    )
    later = ActionPlan.objects.create(agreement=agreement, start_year=2027, end_year=2028)
    later_action = Action.objects.create(plan=later, number="1.1-1", title="Videre", sub_goal=goal)
    later_action.strategies.set(Strategy.objects.filter(sub_goal=goal)[:1])
    start = datetime.datetime(2026, 5, 5, 10, tzinfo=OSLO)
    meeting = Meeting.objects.create(
        agreement=agreement,
        title="Vårmøte",
        kind=Meeting.Kind.PHYSICAL,
        status=Meeting.Status.PLANNED,
        start=start,
        end=start + datetime.timedelta(hours=4),
        place="Harstad rådhus",
        inviting_party=council,
    )
    meeting.participants.set([coordinator])
    item = AgendaItem.objects.create(meeting=meeting, number=1, title="Evenes lufthavn")
    decision = Decision.objects.create(agenda_item=item, text="Tatt til orientering.")
    evaluation = evaluation_services.evaluation_create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[plan]
    )
    evaluation.feedback_open = True
    evaluation.save(update_fields=["feedback_open"])
    effect = agreement.long_term_effects.order_by("pk").first()
    indicator = Indicator.objects.create(
        agreement=agreement,
        long_term_effect=effect,
        name="Sysselsatte",
        unit="personer",
        source="SSB",
    )
    return World(
        agreement=agreement,
        coordinator=coordinator,
        admin=admin_user,
        reader=reader,
        reader_appointment=Coordinator.objects.get(agreement=agreement, user=reader),
        plan=plan,
        action=action,
        milestone=milestone,
        meeting=meeting,
        item=item,
        decision=decision,
        evaluation=evaluation,
        assessment=evaluation.assessments.order_by("pk").first(),
        recommendation=Recommendation.objects.create(
            evaluation=evaluation, text="Styrk samarbeidet.", order=1
        ),
        indicator=indicator,
    )


# --------------------------------------------------------------------------------------------
# The cases: one per form view


@dataclass
class Case:
    name: str
    url_name: str
    url_args: Callable[[World], list]
    form: type[forms.BaseForm]
    # The form as the view makes it (data and files may be None: an unbound form).
    make_form: Callable[[World, dict | None, dict | None], forms.BaseForm]
    model: type[models.Model] | None = None  # what an accepted form creates or changes
    target: Callable[[World], models.Model] | None = None  # the object an edit form changes
    compare: tuple[str, ...] = ()  # cleaned fields that must be saved as they are
    writes: tuple[type[models.Model], ...] = ()  # every model the view may write to
    user: str = "coordinator"  # who posts: "coordinator", "admin" or "anonymous"
    prepare: Callable | None = None  # prepare(world, client) once, before the examples
    method: str = "post"
    headers: dict = field(default_factory=dict)
    valid: dict[str, Callable[[World], st.SearchStrategy]] = field(default_factory=dict)
    extra: dict[str, st.SearchStrategy] = field(default_factory=dict)  # more request fields
    expect: Callable[[dict], dict] = staticmethod(lambda cleaned: cleaned)
    check: Callable | None = None  # more checks of an accepted request
    max_examples: int | None = None  # fewer for a slow view (a password hash per request)


def _progress_expect(cleaned: dict) -> dict:
    return cleaned | ({"percent": 100} if cleaned["status"] == "done" else {})


def _meeting_check(world, form, saved, payload):
    data = form.cleaned_data
    assert saved.start == local_datetime(data["date"], data["start_time"])
    assert saved.end == local_datetime(data["date"], data["end_time"])


def _invitation_check(world, form, saved, payload):
    data = form.cleaned_data
    # Stored as Django normalises addresses (the domain in lower case), the name on one line.
    assert saved.email == User.objects.normalize_email(data["email"])
    assert saved.name == " ".join(data["name"].split())
    assert saved.invited_by_id == world.coordinator.pk


def _feedback_expect(cleaned: dict) -> dict:
    return cleaned


def _plan_import_check(world, form, saved, payload):
    plan = world.plan
    for milestone in Milestone.objects.in_plan(plan):
        assert plan.first_day <= milestone.due_date <= plan.last_day
        assert 0 <= milestone.percent <= 100
        assert milestone.title == milestone.title.strip() and milestone.title
    for action in Action.objects.filter(plan=plan):
        assert action.title and action.strategies.exists()


def _attachment_check(world, form, saved, payload):
    from django.core.files.storage import default_storage

    for attachment in Attachment.objects.all():
        assert (attachment.meeting_id is None) != (attachment.milestone_id is None)
        assert attachment.content_type in {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/pdf",
        } or attachment.content_type.startswith(("text/plain", "image/"))
        with default_storage.open(attachment.file.name, "rb") as stored:
            data = stored.read()
        assert hashlib.sha256(data).hexdigest() == attachment.sha256
        assert len(data) == attachment.size


def _values_import_check(world, form, saved, payload):
    for value in IndicatorValue.objects.all():
        assert value.indicator_id == world.indicator.pk
        assert indicators.YEAR_MIN <= value.year <= indicators.YEAR_MAX
        assert abs(value.value) < indicators.VALUE_LIMIT
        assert "\x00" not in value.source_note


# The indicator's steps after an upload and its values by hand: a value for 2024, and a file
# waiting as a draft (a one-series CSV to confirm, or SSB's table 05300 to choose in).
SSB_05300 = (
    Path(__file__).parents[1]
    / "evaluation"
    / "data"
    / "real"
    / "ssb-05300-avstand-kulturtilbud.json"
)


def _value_2024(world, client):
    IndicatorValue.objects.create(indicator=world.indicator, year=2024, value=5)


def _draft(world, data: bytes) -> IndicatorImportDraft:
    return IndicatorImportDraft.objects.create(
        indicator=world.indicator,
        origin=IndicatorImportDraft.Origin.UPLOAD,
        file_name="fil.json",
        data=data,
        sha256="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )


def _one_series_draft(world, client):
    _value_2024(world, client)
    _draft(world, "år;verdi\n2024;6\n2025;7,5\n".encode())


def _choice_draft(world, client):
    _draft(world, SSB_05300.read_bytes())


def _latest_draft(world) -> list:
    return [world.indicator.pk, IndicatorImportDraft.objects.latest("pk").pk]


def _choice_form(world, data, files):
    try:
        draft_read(IndicatorImportDraft.objects.latest("pk"))
    except indicators.ChoiceNeeded as exc:
        return IndicatorChoiceForm(data, dimensions=exc.dimensions)
    raise AssertionError("the draft needs no choice")


def _pending_sign_in(world, client, *, enrolled: bool) -> None:
    """The administrator's password was right; the sign-in waits for the second factor
    (tromsvekst/accounts/signin.py), with a confirmed device or one being set up."""
    if enrolled:
        TOTPDevice.objects.create(user=world.admin, name="App", confirmed=True)
    else:
        mfa.enrolment_device(world.admin)
    session = client.session
    session[signin.PENDING] = {
        "user": world.admin.pk,
        "method": signin.PASSWORD,
        "next": "/",
        "extra": {},
        "at": 4102444800,  # 2100: does not run out during the examples
    }
    session.save()


def _open_password_link(world, client):
    """As the e-mailed link does: Django keeps the token in the session and moves on."""
    uid = urlsafe_base64_encode(force_bytes(world.reader.pk))
    token = default_token_generator.make_token(world.reader)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")


def _password_check(world, form, saved, payload):
    assert saved.check_password(form.cleaned_data["new_password1"])


def _preview_an_import(world, client):
    """Upload a file that changes the plan, so that an import waits for «Bekreft import»."""
    row = [1, "1.1", "1.1-1", "Boligstrategi", "1.1.1", "", "Ny milepæl", "", "01.06.2025"]
    content = _xlsx([row + ["I rute", 10, None, None]])
    response = client.post(
        reverse("actionplans:plan-import", args=[world.plan.pk]),
        {"file": SimpleUploadedFile("plan.xlsx", content)},
    )
    assert 'name="digest"' in response.content.decode(), "the preview has nothing to confirm"
    world.import_digest = hashlib.sha256(content).hexdigest()


NEXT = st.one_of(
    st.sampled_from(
        [
            "//evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/handlingsplaner/1/?status=done",
            "",
        ]
    ),
    TEXT,
)


def _paste_check(world, form, saved, payload):
    """The corrected first delmål is saved as the person wrote it, on one line."""
    text = str(payload.get("goal-0-0", ""))
    goal = SubGoal.objects.get(agreement=world.agreement, code="1.1")
    assert goal.text == " ".join(text.replace("\r\n", "\n").strip().split())


def _dates_in_plan(world):
    return st.dates(world.plan.first_day, world.plan.last_day).map(str)


CASES = [
    Case(
        "coordinator-create",
        "agreements:coordinator-create",
        lambda w: [w.agreement.slug],
        InvitationForm,
        lambda w, d, f: InvitationForm(d, agreement=w.agreement, actor=w.coordinator),
        model=Invitation,
        compare=("party", "role", "title", "phone"),
        writes=(Invitation,),
        valid={
            "email": lambda w: st.sampled_from(
                ["ada.admin@test.invalid", "per.politiker@test.invalid", "ny@eksempel.no"]
            )
        },
        check=_invitation_check,
    ),
    Case(
        "coordinator-edit",
        "agreements:coordinator-edit",
        lambda w: [w.reader_appointment.pk],
        CoordinatorChangeForm,
        lambda w, d, f: CoordinatorChangeForm(
            d, agreement=w.agreement, actor=w.coordinator, target=w.reader
        ),
        model=Coordinator,
        target=lambda w: w.reader_appointment,
        compare=("party", "role", "title", "phone"),
        writes=(Coordinator,),
    ),
    Case(
        "meeting-create",
        "agreements:meeting-create",
        lambda w: [w.agreement.slug],
        MeetingForm,
        lambda w, d, f: MeetingForm(d, agreement=w.agreement),
        model=Meeting,
        compare=(
            "title",
            "kind",
            "status",
            "place",
            "video_link",
            "inviting_party",
            "participants",
        ),
        writes=(Meeting, Meeting.participants.through),
        check=_meeting_check,
    ),
    Case(
        "meeting-edit",
        "agreements:meeting-edit",
        lambda w: [w.meeting.pk],
        MeetingForm,
        lambda w, d, f: MeetingForm(d, agreement=w.agreement, meeting=w.meeting),
        model=Meeting,
        target=lambda w: w.meeting,
        compare=(
            "title",
            "kind",
            "status",
            "place",
            "video_link",
            "inviting_party",
            "participants",
            "minutes",
        ),
        writes=(Meeting, Meeting.participants.through),
        check=_meeting_check,
    ),
    Case(
        "agenda-item-create",
        "actionplans:agenda-item-create",
        lambda w: [w.meeting.pk],
        AgendaItemForm,
        lambda w, d, f: AgendaItemForm(d, meeting=w.meeting),
        model=AgendaItem,
        compare=(
            "number",
            "title",
            "description",
            "sub_goal",
            "central_theme",
            "actions",
            "milestones",
        ),
        writes=(AgendaItem, AgendaItem.actions.through, AgendaItem.milestones.through),
    ),
    Case(
        "agenda-item-edit",
        "actionplans:agenda-item-edit",
        lambda w: [w.item.pk],
        AgendaItemForm,
        lambda w, d, f: AgendaItemForm(d, meeting=w.meeting, agenda_item=w.item),
        model=AgendaItem,
        target=lambda w: w.item,
        compare=(
            "number",
            "title",
            "description",
            "sub_goal",
            "central_theme",
            "actions",
            "milestones",
        ),
        writes=(AgendaItem, AgendaItem.actions.through, AgendaItem.milestones.through),
    ),
    Case(
        "decision-create",
        "agreements:decision-create",
        lambda w: [w.item.pk],
        DecisionForm,
        lambda w, d, f: DecisionForm(d),
        model=Decision,
        compare=("text",),
        writes=(Decision,),
    ),
    Case(
        "decision-edit",
        "agreements:decision-edit",
        lambda w: [w.decision.pk],
        DecisionForm,
        lambda w, d, f: DecisionForm(d),
        model=Decision,
        target=lambda w: w.decision,
        compare=("text",),
        writes=(Decision,),
    ),
    Case(
        "task-create",
        "agreements:task-create",
        lambda w: [w.decision.pk],
        FollowUpTaskForm,
        lambda w, d, f: FollowUpTaskForm(d, agreement=w.agreement),
        model=FollowUpTask,
        compare=("title", "responsible", "due_date"),
        writes=(FollowUpTask,),
    ),
    Case(
        "progress-log",
        "actionplans:progress-log",
        lambda w: [w.milestone.pk],
        ProgressLogForm,
        lambda w, d, f: ProgressLogForm(d),
        model=ProgressUpdate,
        compare=("status", "percent", "comment", "evidence_url"),
        writes=(ProgressUpdate, Milestone),
        valid={"version": lambda w: st.just("0")},
        extra={"next": NEXT},
        expect=_progress_expect,
    ),
    Case(
        "progress-log-htmx",
        "actionplans:progress-log",
        lambda w: [w.milestone.pk],
        ProgressLogForm,
        lambda w, d, f: ProgressLogForm(d),
        model=ProgressUpdate,
        compare=("status", "percent", "comment", "evidence_url"),
        writes=(ProgressUpdate, Milestone),
        headers={"HTTP_HX_REQUEST": "true"},
        valid={"version": lambda w: st.just("0")},
        extra={"next": NEXT},
        expect=_progress_expect,
    ),
    Case(
        "action-create",
        "actionplans:action-create",
        lambda w: [w.plan.pk],
        ActionForm,
        lambda w, d, f: ActionForm(d, plan=w.plan),
        model=Action,
        compare=tuple(ActionForm.Meta.fields),
        writes=(Action, Action.strategies.through, Action.responsible.through),
    ),
    Case(
        "action-edit",
        "actionplans:action-edit",
        lambda w: [w.action.pk],
        ActionForm,
        lambda w, d, f: ActionForm(d, instance=Action.objects.get(pk=w.action.pk), plan=w.plan),
        model=Action,
        target=lambda w: w.action,
        compare=tuple(ActionForm.Meta.fields),
        writes=(Action, Action.strategies.through, Action.responsible.through),
    ),
    Case(
        "milestone-create",
        "actionplans:milestone-create",
        lambda w: [w.action.pk],
        MilestoneForm,
        lambda w, d, f: MilestoneForm(d, action=w.action),
        model=Milestone,
        compare=("title", "description", "due_date", "responsible", "order"),
        writes=(Milestone,),
        valid={"due_date": _dates_in_plan},
    ),
    Case(
        "milestone-edit",
        "actionplans:milestone-edit",
        lambda w: [w.milestone.pk],
        MilestoneForm,
        lambda w, d, f: MilestoneForm(
            d, instance=Milestone.objects.get(pk=w.milestone.pk), action=w.action
        ),
        model=Milestone,
        target=lambda w: w.milestone,
        compare=("title", "description", "due_date", "responsible", "order"),
        # A moved due date is recorded (old, new, who, when, why).
        writes=(Milestone, MilestoneDueDateChange),
        valid={"due_date": _dates_in_plan},
    ),
    Case(
        "plan-filter",
        "actionplans:plan-detail",
        lambda w: [w.plan.pk],
        PlanFilterForm,
        lambda w, d, f: PlanFilterForm(d, agreement=w.agreement),
        method="get",
    ),
    # Documents: the upload is named «fil.xlsx» by the request builder, so a workbook is accepted
    # and anything else refused (tests/actionplans/test_attachments.py tries every type).
    Case(
        "meeting-attachment",
        "actionplans:meeting-attachment-add",
        lambda w: [w.meeting.pk],
        AttachmentForm,
        lambda w, d, f: AttachmentForm(d, f),
        writes=(Attachment,),
        valid={"file": lambda w: st.just(_xlsx([["1"]]))},
        check=_attachment_check,
    ),
    Case(
        "milestone-attachment",
        "actionplans:milestone-attachment-add",
        lambda w: [w.milestone.pk],
        AttachmentForm,
        lambda w, d, f: AttachmentForm(d, f),
        writes=(Attachment,),
        valid={"file": lambda w: st.just(_xlsx([["1"]]))},
        check=_attachment_check,
    ),
    Case(
        "search",
        "evaluation:search",
        lambda w: [],
        SearchForm,
        lambda w, d, f: SearchForm(d),
        method="get",
    ),
    Case(
        "dashboard-filter",
        "actionplans:dashboard",
        lambda w: [w.agreement.slug],
        DashboardFilterForm,
        lambda w, d, f: DashboardFilterForm(
            d,
            plans=list(ActionPlan.objects.filter(agreement=w.agreement)),
            parties=list(w.agreement.parties.all()),
            focus_areas=list(w.agreement.focus_areas.all()),
        ),
        method="get",
    ),
    Case(
        "plan-import",
        "actionplans:plan-import",
        lambda w: [w.plan.pk],
        PlanImportForm,
        lambda w, d, f: PlanImportForm(d, f),
        writes=(Action, Action.strategies.through, Milestone, ProgressUpdate),
        valid={"file": plan_file},
        check=_plan_import_check,
    ),
    Case(
        "plan-import-confirm",
        "actionplans:plan-import-confirm",
        lambda w: [w.plan.pk],
        PlanImportConfirmForm,
        lambda w, d, f: PlanImportConfirmForm(d),
        writes=(Action, Action.strategies.through, Milestone, ProgressUpdate),
        prepare=_preview_an_import,
        valid={"digest": lambda w: st.just(w.import_digest)},
        check=_plan_import_check,
    ),
    Case(
        "evaluation-create",
        "evaluation:evaluation-create",
        lambda w: [w.agreement.slug],
        EvaluationCreateForm,
        lambda w, d, f: EvaluationCreateForm(d, agreement=w.agreement),
        model=Evaluation,
        compare=("kind", "year", "plans"),
        writes=(Evaluation, Evaluation.plans.through, SubGoalAssessment),
        valid={"year": lambda w: st.sampled_from(["", "2026", "2028", "2024"])},
    ),
    Case(
        "evaluation-edit",
        "evaluation:evaluation-edit",
        lambda w: [w.evaluation.pk],
        EvaluationForm,
        lambda w, d, f: EvaluationForm(d, instance=Evaluation.objects.get(pk=w.evaluation.pk)),
        model=Evaluation,
        target=lambda w: w.evaluation,
        compare=("summary", "conclusions", "status"),
        writes=(Evaluation, SubGoalAssessment),
    ),
    Case(
        "assessment-edit",
        "evaluation:assessment-edit",
        lambda w: [w.assessment.pk],
        AssessmentForm,
        lambda w, d, f: AssessmentForm(
            d, instance=SubGoalAssessment.objects.get(pk=w.assessment.pk)
        ),
        model=SubGoalAssessment,
        target=lambda w: w.assessment,
        compare=("rating", "narrative", "evidence"),
        writes=(SubGoalAssessment,),
    ),
    Case(
        "recommendation-create",
        "evaluation:recommendation-create",
        lambda w: [w.evaluation.pk],
        RecommendationEditForm,
        lambda w, d, f: RecommendationEditForm(d, evaluation=w.evaluation),
        model=Recommendation,
        compare=("text", "order", "actions"),
        writes=(Recommendation, Recommendation.actions.through),
    ),
    Case(
        "recommendation-edit",
        "evaluation:recommendation-edit",
        lambda w: [w.recommendation.pk],
        RecommendationEditForm,
        lambda w, d, f: RecommendationEditForm(
            d,
            evaluation=w.evaluation,
            instance=Recommendation.objects.get(pk=w.recommendation.pk),
        ),
        model=Recommendation,
        target=lambda w: w.recommendation,
        compare=("text", "order", "actions"),
        writes=(Recommendation, Recommendation.actions.through),
    ),
    Case(
        "indicator-create",
        "evaluation:indicator-create",
        lambda w: [w.agreement.slug],
        IndicatorForm,
        lambda w, d, f: IndicatorForm(d, agreement=w.agreement),
        model=Indicator,
        compare=tuple(IndicatorForm._meta.fields),
        writes=(Indicator,),
        valid={
            "municipalities": lambda w: st.sampled_from(["", "1806, 5503", "K-1806\n1853 Evenes"]),
            "baseline_year": lambda w: st.sampled_from(["", "2020", "2024"]),
            "target_year": lambda w: st.sampled_from(["", "2028", "2030"]),
        },
    ),
    Case(
        "indicator-edit",
        "evaluation:indicator-edit",
        lambda w: [w.indicator.pk],
        IndicatorForm,
        lambda w, d, f: IndicatorForm(
            d, instance=Indicator.objects.get(pk=w.indicator.pk), agreement=w.agreement
        ),
        model=Indicator,
        target=lambda w: w.indicator,
        compare=tuple(IndicatorForm._meta.fields),
        writes=(Indicator,),
        valid={"municipalities": lambda w: st.sampled_from(["", "1806, 5503"])},
    ),
    Case(
        "indicator-import",
        "evaluation:indicator-import",
        lambda w: [w.indicator.pk],
        IndicatorImportForm,
        lambda w, d, f: IndicatorImportForm(d, f),
        # Stored with its history at once, or kept as a draft for the preview (step=preview).
        writes=(IndicatorValue, IndicatorValueChange, IndicatorImportDraft),
        valid={"file": values_file},
        extra={"step": st.sampled_from(["", "import", "preview"])},
        check=_values_import_check,
    ),
    Case(
        "indicator-import-draft",
        "evaluation:indicator-import-draft",
        _latest_draft,
        IndicatorImportConfirmForm,
        lambda w, d, f: IndicatorImportConfirmForm(d),
        writes=(IndicatorValue, IndicatorValueChange, IndicatorImportDraft),
        prepare=_one_series_draft,
        valid={"fingerprint": lambda w: st.just(values_fingerprint(w.indicator))},
        check=_values_import_check,
    ),
    Case(
        "indicator-import-choice",
        "evaluation:indicator-import-draft",
        _latest_draft,
        IndicatorChoiceForm,
        _choice_form,
        method="get",  # the choice is a GET form: it shows the preview, it writes nothing
        prepare=_choice_draft,
    ),
    Case(
        "indicator-value-add",
        "evaluation:indicator-value-add",
        lambda w: [w.indicator.pk],
        IndicatorValueForm,
        lambda w, d, f: IndicatorValueForm(d),
        model=IndicatorValue,
        compare=("year", "value", "source_note"),
        writes=(IndicatorValue, IndicatorValueChange),
        prepare=_value_2024,
        valid={"year": lambda w: st.integers(2020, 2030).map(str)},
    ),
    Case(
        "indicator-value-edit",
        "evaluation:indicator-value-edit",
        lambda w: [w.indicator.pk, 2024],
        IndicatorValueForm,
        lambda w, d, f: IndicatorValueForm(d, year=2024),
        model=IndicatorValue,
        target=lambda w: IndicatorValue.objects.get(indicator=w.indicator, year=2024),
        compare=("value", "source_note"),
        writes=(IndicatorValue, IndicatorValueChange),
        prepare=_value_2024,
    ),
    Case(
        "indicator-value-delete",
        "evaluation:indicator-value-delete",
        lambda w: [w.indicator.pk, 2024],
        IndicatorValueDeleteForm,
        lambda w, d, f: IndicatorValueDeleteForm(d),
        writes=(IndicatorValue, IndicatorValueChange),
        prepare=_value_2024,
    ),
    Case(
        "feedback-form",
        "evaluation:feedback-form",
        lambda w: [w.evaluation.feedback_token],
        FeedbackForm,
        lambda w, d, f: FeedbackForm(d, evaluation=w.evaluation),
        model=Feedback,
        compare=("stakeholder", "stakeholder_kind", "focus_area", "text", "rating"),
        writes=(Feedback,),
        user="anonymous",
        valid={HONEYPOT: lambda w: st.just("")},
    ),
    Case(
        "login",
        "login",
        lambda w: [],
        PortalAuthenticationForm,
        lambda w, d, f: PortalAuthenticationForm(None, d),
        writes=(User,),
        user="anonymous",
        valid={"username": lambda w: st.sampled_from(["tone.koordinator", "ada.admin", "x"])},
        max_examples=10,
    ),
    # The second factor after the password: a code from the app or a recovery code, and the
    # first code that confirms a new device (tests/security/test_sso_mfa.py).
    Case(
        "mfa-code",
        "mfa-verify",
        lambda w: [],
        CodeForm,
        lambda w, d, f: CodeForm(d),
        writes=(User,),
        user="anonymous",
        prepare=lambda w, c: _pending_sign_in(w, c, enrolled=True),
        valid={"code": lambda w: st.sampled_from(["123456", "abcd2345", " 12 34 56 "])},
    ),
    Case(
        "mfa-enrol",
        "mfa-enrol",
        lambda w: [],
        EnrolForm,
        lambda w, d, f: EnrolForm(d),
        writes=(User,),
        user="anonymous",
        prepare=lambda w, c: _pending_sign_in(w, c, enrolled=False),
        valid={"code": lambda w: st.sampled_from(["123456", "000000"])},
    ),
    Case(
        "password-reset",
        "password_reset",
        lambda w: [],
        PortalPasswordResetForm,
        lambda w, d, f: PortalPasswordResetForm(d),
        writes=(),  # it sends an e-mail, and writes nothing
        user="anonymous",
        valid={"email": lambda w: st.sampled_from(["tone.koordinator@test.invalid", "x@y.no"])},
    ),
    Case(
        "password-set",
        "password_reset_confirm",
        lambda w: [urlsafe_base64_encode(force_bytes(w.reader.pk)), "set-password"],
        PortalSetPasswordForm,
        lambda w, d, f: PortalSetPasswordForm(w.reader, d),
        model=User,
        target=lambda w: w.reader,
        writes=(User,),
        user="anonymous",
        prepare=_open_password_link,
        check=_password_check,
    ),
    Case(
        "audit-log-filter",
        "audit:log",
        lambda w: [],
        AuditFilterForm,
        lambda w, d, f: AuditFilterForm(
            d,
            agreement_choices=list(Agreement.objects.order_by("title").values_list("pk", "title")),
            usernames=["ada.admin"],
        ),
        user="admin",
        method="get",
    ),
    Case(
        "admin-progress-correction",
        "admin:actionplans_progressupdate_add",
        lambda w: [],
        CorrectionForm,
        lambda w, d, f: CorrectionForm(d),
        model=ProgressUpdate,
        compare=("milestone", "status", "percent", "comment", "evidence_url"),
        writes=(ProgressUpdate, Milestone),
        user="admin",
        extra={"_save": st.just("Lagre")},
        expect=_progress_expect,
    ),
    # Setting up an agreement (issue #16; tests/agreements/test_setup.py).
    Case(
        "plan-create",
        "actionplans:plan-create",
        lambda w: [w.agreement.slug],
        PlanCreateForm,
        lambda w, d, f: PlanCreateForm(d, agreement=w.agreement),
        model=ActionPlan,
        compare=("start_year", "end_year"),
        writes=(ActionPlan,),
        valid={
            "start_year": lambda w: st.integers(2024, 2029).map(str),
            "end_year": lambda w: st.integers(2024, 2029).map(str),
        },
    ),
    Case(
        "setup-create",
        "agreements:setup-create",
        lambda w: [],
        AgreementCreateForm,
        lambda w, d, f: AgreementCreateForm(d),
        model=Agreement,
        compare=("title", "short_title", "slug", "start_year", "end_year", "is_public"),
        writes=(Agreement, AgreementParty, Coordinator),
        valid={
            "slug": lambda w: st.sampled_from(["midt-troms", "halogaland", "ny", "a_b", ""]),
            "start_year": lambda w: st.integers(2020, 2040).map(str),
            "end_year": lambda w: st.integers(2020, 2040).map(str),
        },
    ),
    Case(
        "setup-texts",
        "agreements:setup-texts",
        lambda w: [w.agreement.slug],
        AgreementTextsForm,
        lambda w, d, f: AgreementTextsForm(d, instance=Agreement.objects.get(pk=w.agreement.pk)),
        model=Agreement,
        target=lambda w: w.agreement,
        compare=("title", "status", "start_year", "end_year", "overall_goal", "place_signed"),
        writes=(Agreement, AgreementRevision),
        valid={
            "start_year": lambda w: st.integers(2020, 2040).map(str),
            "end_year": lambda w: st.integers(2020, 2040).map(str),
        },
    ),
    Case(
        "setup-party-add",
        "agreements:setup-party-add",
        lambda w: [w.agreement.slug],
        PartyAddForm,
        lambda w, d, f: PartyAddForm(d, agreement=w.agreement),
        model=AgreementParty,
        compare=("adopted_by", "adopted_on", "case_number"),
        writes=(AgreementParty, Party, AgreementRevision),
    ),
    Case(
        "setup-signatory-add",
        "agreements:setup-item-add",
        lambda w: [w.agreement.slug, "underskriver"],
        SignatoryForm,
        lambda w, d, f: SignatoryForm(d, agreement=w.agreement),
        model=Signatory,
        compare=("party", "name", "title"),
        writes=(Signatory, AgreementRevision),
    ),
    Case(
        "setup-sub-goal-edit",
        "agreements:setup-item-edit",
        lambda w: ["delmal", SubGoal.objects.get(agreement=w.agreement, code="1.2").pk],
        item_form(setup.KINDS["delmal"]),
        lambda w, d, f: item_form(setup.KINDS["delmal"])(
            d,
            instance=SubGoal.objects.get(agreement=w.agreement, code="1.2"),
            agreement=w.agreement,
        ),
        model=SubGoal,
        target=lambda w: SubGoal.objects.get(agreement=w.agreement, code="1.2"),
        compare=("text",),
        writes=(SubGoal, AgreementRevision),
    ),
    Case(
        "setup-paste",
        "agreements:setup-paste",
        lambda w: [w.agreement.slug],
        PasteForm,
        lambda w, d, f: PasteForm(d),
        writes=(),  # the preview only: nothing is saved without «lagre» and its fields
        valid={"source": lambda w: st.just(HALOGALAND_TEXT)},
        max_examples=10,
    ),
    Case(
        "setup-paste-save",
        "agreements:setup-paste",
        lambda w: [w.agreement.slug],
        PreviewForm,
        lambda w, d, f: PreviewForm(d, parsed=parse_agreement_text(HALOGALAND_TEXT).data),
        writes=(
            Agreement,
            AgreementParty,
            AgreementRevision,
            BasisDocument,
            CentralTheme,
            FocusArea,
            LongTermEffect,
            Party,
            ProcessEvent,
            Signatory,
            Strategy,
            SubGoal,
        ),
        valid={"source": lambda w: st.just(HALOGALAND_TEXT)},
        extra={"lagre": st.just("1")},
        check=_paste_check,
        max_examples=10,
    ),
]

# Named URLs that take no form input, and why.
NO_FORM = {
    "home": "a page",
    "agreements:setup": "a page",
    "agreements:setup-item-move": "a button; «retning» is «ned» or anything else (up)",
    "agreements:setup-item-delete": "a confirm button, no fields",
    "agreements:revision-list": "a page",
    "logout": "a button, no fields",
    "health": "a page for monitoring",
    "readiness": "a page for monitoring (the load balancer asks whether the database answers)",
    "password_reset_done": "a page",
    "password_reset_complete": "a page",
    # Single sign-on: redirects to and from the provider (tests/security/test_sso.py).
    "oidc-start": "a redirect to the provider",
    "oidc-callback": "the provider's answer, no form",
    "mfa-recovery-codes": "a page",
    "accessibility": "a page",
    "agreements:agreement-list": "a page",
    "agreements:agreement-detail": "a page",
    "agreements:coordinator-list": "a page",
    "agreements:coordinator-delete": "a confirm button, no fields",
    "agreements:invitation": "two buttons (svar); anything else is a Norwegian 400 "
    "(tests/security/test_invitations.py)",
    "agreements:invitation-withdraw": "a button, no fields",
    "agreements:meeting-schedule": "a page (?year= is read as a number or ignored)",
    "agreements:meeting-plan-year": "a button; the year is in the URL (<int:>)",
    "agreements:meeting-detail": "a page",
    "agreements:task-toggle": "a button; its done/next fields are fuzzed below",
    "agreements:calendar-rotate": "a button, no fields",
    "agreements:calendar-feed": "a feed by secret token",
    "agreements:meeting-ics": "a download",
    "actionplans:public-progress": "a page",
    "actionplans:public-progress-toggle": "a button, no fields",
    "actionplans:plan-list": "a page",
    "actionplans:plan-carry-over": "a confirmation page and its button, no fields",
    "actionplans:my-milestones": "a page",
    "actionplans:plan-export": "a download",
    "actionplans:milestone-detail": "a page",
    "actionplans:milestone-delete": (
        "a confirm checkbox for a milestone with history (tests/actionplans/"
        "test_milestone_delete_history.py)"
    ),
    "actionplans:meeting-brief": "a page",
    "actionplans:meeting-brief-pdf": "a download",
    "actionplans:meeting-brief-old": "a 301 to the brief's address",
    "actionplans:meeting-brief-pdf-old": "a 301 to the brief PDF's address",
    "actionplans:attachment-download": "a download",
    "actionplans:attachment-delete": "a confirm button, no fields",
    "evaluation:indicator-list": "a page",
    "evaluation:indicator-detail": "a page",
    "evaluation:indicator-fetch": "a button; the SSB table and query it uses are the indicator "
    "form's fields (fuzzed above), its answers are tested in tests/evaluation/test_indicator_fetch.py",
    "evaluation:feedback-list": "a page (?side= is Django's paginator)",
    "evaluation:feedback-toggle": "a button; its open field is fuzzed below",
    "evaluation:feedback-rotate": "a confirm button, no fields",
    "evaluation:evaluation-list": "a page",
    "evaluation:evaluation-detail": "a page",
    "evaluation:evaluation-pdf": "a download",
    "evaluation:evaluation-refresh": "a button, no fields",
    "evaluation:evaluation-finalise": "a confirm checkbox (makes the PDF/A; tests/evaluation)",
    "evaluation:recommendation-delete": "a button, no fields",
    "people:people-list": "a page",
    "people:person-deactivate": "a confirmation page and its button, no fields",
    "people:person-reactivate": "a confirmation page and its button, no fields",
    "county:overview": "a page (?sort= is one of the named orders or ignored; "
    "tests/evaluation/test_county_overview.py)",
    "county:overview-excel": "a download",
}

# --------------------------------------------------------------------------------------------
# Running a case


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Everything inside happens in a savepoint that is rolled back afterwards."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


def _through(model) -> list:
    return [
        f.remote_field.through
        for f in model._meta.many_to_many
        if f.remote_field.through._meta.auto_created
    ]


def _tables() -> list[str]:
    tables = []
    for config in apps.get_app_configs():
        if config.label in ("agreements", "actionplans", "evaluation", "auth"):
            tables += [m._meta.db_table for m in config.get_models(include_auto_created=True)]
    return sorted(set(tables))


def row_counts(tables: list[str]) -> tuple:
    quote = connection.ops.quote_name
    # The table names are Django's own (model meta), quoted: nothing from outside goes in.
    sql = " UNION ALL ".join(f"SELECT {i}, COUNT(*) FROM {quote(t)}" for i, t in enumerate(tables))  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(sorted(cursor.fetchall()))


def rows(models_: list) -> dict:
    return {
        model._meta.label: sorted(model.objects.order_by("pk").values_list(), key=repr)
        for model in models_
    }


def _encode(payload: dict) -> dict:
    return {key: value for key, value in payload.items() if value is not OMIT}


def payloads(case: Case, world: World, form: forms.BaseForm) -> st.SearchStrategy:
    """(mode, fields): all fields valid but the text, anything in any field, or raw bytes."""
    valid = {}
    anything = {}
    for name, field_ in form.fields.items():
        own = case.valid.get(name)
        if isinstance(field_, forms.FileField):
            files = own(world) if own else st.binary(max_size=2000)
            valid[name] = files
            anything[name] = st.one_of(files, st.binary(max_size=500), st.just(OMIT))
            continue
        valid[name] = own(world) if own else valid_value(name, field_)
        anything[name] = st.one_of(valid[name], any_value(name, field_), st.just(OMIT))
    for name, strategy in case.extra.items():
        valid[name] = anything[name] = strategy
    raw = st.fixed_dictionaries(
        {name: st.one_of(st.binary(max_size=40), st.just(b"")) for name in anything}
    )
    return st.one_of(
        st.tuples(st.just("valid"), st.fixed_dictionaries(valid)),
        st.tuples(st.just("any"), st.fixed_dictionaries(anything)),
        st.tuples(st.just("raw"), raw),
    )


def _request(case: Case, client, url: str, mode: str, payload: dict):
    if mode == "raw":
        body = urllib.parse.urlencode(payload)
        if case.method == "get":
            return client.get(f"{url}?{body}", **case.headers)
        return client.post(
            url, body, content_type="application/x-www-form-urlencoded", **case.headers
        )
    data = {}
    for key, value in _encode(payload).items():
        data[key] = SimpleUploadedFile("fil.xlsx", value) if isinstance(value, bytes) else value
    if case.method == "get":
        return client.get(url, data, **case.headers)
    return client.post(url, data, **case.headers)


def _oracle(case: Case, world: World, mode: str, payload: dict) -> forms.BaseForm | None:
    """The form as the view will see it, validated before the request: what it may save."""
    if case.model is None:
        return None
    if mode == "raw":
        from django.http import QueryDict

        data = QueryDict(urllib.parse.urlencode(payload), encoding="utf-8")
    else:
        from django.utils.datastructures import MultiValueDict

        data = MultiValueDict()
        for key, value in _encode(payload).items():
            data.setlist(key, value if isinstance(value, list) else [value])
    form = case.make_form(world, data, {})
    form.is_valid()
    return form


def _accepted(case: Case, response) -> bool:
    if case.headers.get("HTTP_HX_REQUEST"):
        return "progress-saved" in response.get("HX-Trigger", "")
    return response.status_code in (301, 302, 303)


def _saved(case: Case, world: World, before: dict, after: dict):
    label = case.model._meta.label
    if case.target is not None:
        return case.model.objects.get(pk=case.target(world).pk)
    old = {row[0] for row in before[label]}
    new = [row for row in after[label] if row[0] not in old]
    assert len(new) == 1, f"an accepted form made {len(new)} new {label} rows"
    return case.model.objects.get(pk=new[0][0])


def _value(obj, name: str):
    model_field = obj._meta.get_field(name)
    if model_field.many_to_many:
        return set(getattr(obj, name).values_list("pk", flat=True))
    if model_field.is_relation:
        return getattr(obj, model_field.attname)
    return getattr(obj, name)


def _cleaned_value(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list) and all(
        isinstance(item, models.Model) for item in value
    ):
        return {item.pk for item in value}
    return value


def check_example(case: Case, world: World, client, url: str, mode: str, payload: dict) -> None:
    relevant = list(case.writes) + [m for model in case.writes for m in _through(model)]
    if case.model is not None:
        relevant.append(case.model)
    tables = _tables()
    before_counts, before = row_counts(tables), rows(relevant)
    oracle = _oracle(case, world, mode, payload)

    response = _request(case, client, url, mode, payload)

    assert response.status_code < 500
    after_counts, after = row_counts(tables), rows(relevant)
    if not _accepted(case, response):
        assert after == before, "a refused form changed the database"
        assert after_counts == before_counts, "a refused form changed the database"
        return
    if response.status_code in (301, 302, 303):
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
    changed = {label for label in after if after[label] != before[label]}
    allowed = {model._meta.label for model in relevant}
    assert changed <= allowed, f"an accepted form changed {changed - allowed}"
    unchanged_tables = [
        i for i, table in enumerate(tables) if table not in {m._meta.db_table for m in relevant}
    ]
    assert [before_counts[i] for i in unchanged_tables] == [
        after_counts[i] for i in unchanged_tables
    ]
    if case is FEEDBACK and str(payload.get(HONEYPOT, "")).strip():
        assert after == before, "a robot's feedback was stored"
        return
    if case.model is not None and changed:
        assert oracle.is_valid(), f"the view saved what the form refused: {oracle.errors}"
        saved = _saved(case, world, before, after)
        expected = case.expect(dict(oracle.cleaned_data))
        for name in case.compare:
            assert _value(saved, name) == _cleaned_value(expected[name]), name
    if case.check is not None and changed:
        case.check(
            world,
            oracle,
            None if case.model is None else _saved(case, world, before, after),
            payload,
        )


FEEDBACK = next(case for case in CASES if case.name == "feedback-form")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_forms_take_anything_and_save_all_or_nothing(case, world, client_for):
    users = {"coordinator": world.coordinator, "admin": world.admin, "anonymous": None}
    client = client_for(users[case.user])
    if case.prepare is not None:
        case.prepare(world, client)
    url = reverse(case.url_name, args=case.url_args(world))
    strategy = payloads(case, world, case.make_form(world, None, None))

    @hypothesis_settings(ROBUSTNESS, max_examples=case.max_examples or ROBUSTNESS.max_examples)
    @given(example=strategy)
    def run(example):
        mode, payload = example
        with rolled_back():
            check_example(case, world, client, url, mode, payload)

    run()


# --------------------------------------------------------------------------------------------
# Buttons with a field or two


@ROBUSTNESS
@given(done=st.one_of(st.just(OMIT), JUNK), next_=st.one_of(st.just(OMIT), NEXT))
def _task_toggle(world, client, done, next_):
    task = FollowUpTask.objects.get(decision=world.decision)
    with rolled_back():
        payload = _encode({"done": done, "next": next_})
        response = client.post(reverse("agreements:task-toggle", args=[task.pk]), payload)
        assert response.status_code == 302
        location = response["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\"))
        task.refresh_from_db()
        assert task.done == (done == "1" if done in ("0", "1") else True)


def test_task_toggle_takes_anything(world, client_for):
    FollowUpTask.objects.create(
        decision=world.decision,
        title="Følge opp",
        responsible=world.coordinator,
        due_date=datetime.date(2026, 9, 1),
    )
    _task_toggle(world, client_for(world.coordinator))


@ROBUSTNESS
@given(is_open=st.one_of(st.just(OMIT), JUNK))
def _feedback_toggle(world, client, is_open):
    with rolled_back():
        response = client.post(
            reverse("evaluation:feedback-toggle", args=[world.evaluation.pk]),
            _encode({"open": is_open}),
        )
        assert response.status_code == 302
        world.evaluation.refresh_from_db()
        assert world.evaluation.feedback_open == (
            is_open == "1" if is_open in ("0", "1") else False
        )


def test_feedback_toggle_takes_anything(world, client_for):
    _feedback_toggle(world, client_for(world.coordinator))


# --------------------------------------------------------------------------------------------
# Coverage: a new form or form view fails here until it has a case above


def _project_modules():
    base = Path(settings.BASE_DIR)
    packages = ["tromsvekst"] + [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and ".venv" not in Path(config.path).parts
    ]
    for package in packages:
        module = importlib.import_module(package)
        yield module
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if any(part in info.name for part in (".migrations", ".management", "wsgi", "asgi")):
                continue
            yield importlib.import_module(info.name)


def test_every_form_of_the_project_has_a_case():
    defined = {
        cls
        for module in _project_modules()
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    }
    covered = {case.form for case in CASES}

    assert defined, "no forms found: the scan is broken"
    missing = {f"{cls.__module__}.{cls.__qualname__}" for cls in defined - covered}
    # A form used only as a base class is covered by its subclasses.
    missing -= {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in defined
        if any(issubclass(other, cls) and other is not cls for other in covered)
    }
    assert not missing, f"forms without a property test case: {sorted(missing)}"


def _url_names(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _url_names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def test_every_url_is_a_case_or_takes_no_form():
    names = _url_names()
    cased = {case.url_name for case in CASES}

    assert "evaluation:indicator-import" in names, "the URL scan is broken"
    assert not (names - cased - NO_FORM.keys()), (
        f"URLs neither tested with forms nor listed in NO_FORM: {sorted(names - cased - NO_FORM.keys())}"
    )
    assert not (NO_FORM.keys() - names), (
        f"NO_FORM lists URLs that are gone: {NO_FORM.keys() - names}"
    )
