"""The security boundary in two functions: ``agreements.access.get_for_user`` (who may read or
change an object of an agreement) and ``tromsvekst.lib.security.safe_next`` (where a form may send
the browser on to). The permission matrix (tests/test_permission_matrix.py) checks every view as
every role; this file checks the two rules themselves, and that no view has its own copy."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from psycopg import pq

from actionplans.models import Action, Milestone, ProgressUpdate
from agreements import rules
from agreements.access import agreement_for_user, agreement_of, get_for_user
from agreements.models import Agreement, CentralTheme, Decision, FollowUpTask, Meeting, Party
from evaluation.models import Evaluation, Indicator, IndicatorValue, Recommendation
from tests.factories import log, make_action, make_milestone, make_plan
from tromsvekst.lib.access import LoginNeeded
from tromsvekst.lib.queries import KeptSQL
from tromsvekst.lib.security import safe_next

ROOT = Path(settings.BASE_DIR)


def _request(user, *, get=None, post=None, secure=False):
    factory = RequestFactory()
    if post is not None:
        request = factory.post("/", post, secure=secure)
    else:
        request = factory.get("/", get or {}, secure=secure)
    request.user = user
    return request


@pytest.fixture
def milestone(agreement, coordinator):
    action = make_action(make_plan(agreement), 1)
    milestone = make_milestone(action, "Milepæl for tilgangsregelen")
    log(milestone, coordinator, "on_track", 10, "Første logg")
    return Milestone.objects.get(pk=milestone.pk)


class TestGetForUser:
    def test_returns_the_object_to_a_coordinator_who_may_change_it(self, milestone, coordinator):
        found = get_for_user(_request(coordinator), Milestone, milestone.pk, edit=True)
        assert found == milestone
        assert agreement_of(found) == milestone.action.plan.agreement

    def test_a_reader_may_read_but_not_change(self, milestone, reader):
        assert get_for_user(_request(reader), Milestone, milestone.pk) == milestone
        with pytest.raises(PermissionDenied):
            get_for_user(_request(reader), Milestone, milestone.pk, edit=True)

    def test_an_outsider_gets_not_found_and_an_anonymous_user_login(self, milestone, outsider):
        with pytest.raises(Http404):
            get_for_user(_request(outsider), Milestone, milestone.pk)
        with pytest.raises(LoginNeeded):
            get_for_user(_request(AnonymousUser()), Milestone, milestone.pk)

    def test_an_unknown_key_is_not_found(self, milestone, coordinator):
        with pytest.raises(Http404):
            get_for_user(_request(coordinator), Milestone, milestone.pk + 1000)

    def test_a_queryset_keeps_its_own_filter(self, milestone, coordinator):
        """A view may narrow what it looks in; the object outside that is not found."""
        narrowed = Milestone.objects.exclude(pk=milestone.pk)
        with pytest.raises(Http404):
            get_for_user(_request(coordinator), narrowed, milestone.pk)

    def test_the_agreement_is_loaded_with_the_object(
        self, milestone, coordinator, django_assert_num_queries
    ):
        request = _request(coordinator)
        request.user = type(coordinator).objects.get(pk=coordinator.pk)
        with django_assert_num_queries(2):  # the milestone with its agreement; the user's role
            get_for_user(request, Milestone, milestone.pk)

    def test_an_object_of_another_agreement_is_checked_against_that_agreement(
        self, other_agreement, coordinator, outsider
    ):
        """The coordinator of one agreement is an outsider in the other, whatever the object."""
        plan = make_plan(other_agreement)
        action = make_action(plan, 1)
        with pytest.raises(Http404):
            get_for_user(_request(coordinator), Action, action.pk)
        assert get_for_user(_request(outsider), Action, action.pk) == action

    @pytest.mark.parametrize(
        ("model", "path"),
        [
            (Agreement, "pk"),
            (Meeting, "agreement"),
            (Decision, "agenda_item__meeting__agreement"),
            (FollowUpTask, "decision__agenda_item__meeting__agreement"),
            (Action, "plan__agreement"),
            (Milestone, "action__plan__agreement"),
            (ProgressUpdate, "milestone__action__plan__agreement"),
            (Evaluation, "agreement"),
            (Recommendation, "evaluation__agreement"),
            (Indicator, "agreement"),
            (IndicatorValue, "indicator__agreement"),
        ],
    )
    def test_each_object_reaches_its_agreement_by_the_way_that_owns_it(self, model, path):
        """A milestone belongs to the agreement of its plan (not of its sub-goal): the way is the
        chain of required foreign keys that the audit log also groups entries by."""
        from tromsvekst.audit.capture import agreement_lookup

        assert agreement_lookup(model) == path

    def test_a_model_that_belongs_to_no_agreement_is_refused_not_let_through(self, coordinator):
        party = Party.objects.first()
        with pytest.raises(ImproperlyConfigured):
            get_for_user(_request(coordinator), Party, party.pk)

    def test_public_reading_lets_anyone_read_a_public_agreement_and_no_one_else(
        self, agreement, other_agreement, coordinator
    ):
        Agreement.objects.filter(pk=agreement.pk).update(is_public=True)
        assert not other_agreement.is_public
        anonymous = _request(AnonymousUser())
        found = get_for_user(anonymous, Agreement, agreement.slug, field="slug", public=True)
        assert found == agreement
        with pytest.raises(LoginNeeded):
            get_for_user(anonymous, Agreement, agreement.slug, field="slug")  # internal pages
        with pytest.raises(LoginNeeded):
            get_for_user(anonymous, Agreement, other_agreement.slug, field="slug", public=True)
        with pytest.raises(Http404):  # a coordinator of Hålogaland only
            get_for_user(
                _request(coordinator), Agreement, other_agreement.slug, field="slug", public=True
            )


class TestAgreementForUser:
    """``agreement_for_user``: the agreement by its slug, the user's appointments and the
    caller's queries in one round trip; the caller's rows only for a user who may read it."""

    @staticmethod
    def _texts(slug):
        return _THEMES.call(slug=slug)

    def test_a_reader_gets_the_agreement_and_the_rows_asked_for(
        self, agreement, reader, django_assert_num_queries
    ):
        request = _request(reader)
        request.user = type(reader).objects.get(pk=reader.pk)
        noted = []

        def note(execute, sql, params, many, context):
            if connection.vendor == "postgresql":
                noted.append(connection.connection.pgconn.pipeline_status)
            return execute(sql, params, many, context)

        with django_assert_num_queries(3), connection.execute_wrapper(note):
            found, (themes,) = agreement_for_user(
                request, agreement.slug, together=[self._texts(agreement.slug)]
            )

        assert found == agreement
        assert [found.title, found.is_public] == [agreement.title, agreement.is_public]
        assert themes == list(agreement.central_themes.order_by("order", "pk").values_list("text"))
        if connection.vendor == "postgresql":  # the agreement, appointments and themes at once
            assert noted == [pq.PipelineStatus.ON] * 3
        # The appointments are kept on the user: the rules ask no more.
        with django_assert_num_queries(0):
            assert rules.can_view_internal(request.user, found)
            assert not rules.can_edit_agreement(request.user, found)

    def test_the_rows_are_refused_as_get_for_user_refuses(
        self, agreement, other_agreement, reader, outsider
    ):
        ask = [self._texts(agreement.slug)]
        with pytest.raises(Http404):  # no role in it
            agreement_for_user(_request(outsider), agreement.slug, together=ask)
        with pytest.raises(PermissionDenied):  # a reader may not change it
            agreement_for_user(_request(reader), agreement.slug, edit=True, together=ask)
        with pytest.raises(LoginNeeded):
            agreement_for_user(_request(AnonymousUser()), agreement.slug, together=ask)
        with pytest.raises(Http404):  # unknown: not found before login, as get_for_user
            agreement_for_user(_request(AnonymousUser()), "finnes-ikke", together=ask)
        with pytest.raises(Http404):
            agreement_for_user(_request(reader), other_agreement.slug)
        Agreement.objects.filter(pk=agreement.pk).update(is_public=True)
        found, (themes,) = agreement_for_user(
            _request(AnonymousUser()), agreement.slug, public=True, together=ask
        )
        assert found == agreement and len(themes) > 0

    def test_get_for_user_reads_an_agreement_by_slug_so(self, agreement, reader):
        request = _request(reader)
        assert get_for_user(request, Agreement, agreement.slug, field="slug") == agreement
        with pytest.raises(PermissionDenied):
            get_for_user(request, Agreement, agreement.slug, field="slug", edit=True)


_THEMES = KeptSQL(
    lambda v: (
        CentralTheme.objects.filter(agreement__slug=v.slug)
        .order_by("order", "pk")
        .values_list("text")
    ),
    slug=str,
)


def _functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)]


APP_MODULES = sorted(
    path
    for app in ("agreements", "actionplans", "evaluation", "tromsvekst")
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
)


def test_no_view_module_has_a_getter_of_its_own():
    """One access rule: a private ``_get_x_for_user`` next to a view is how copies with
    different rules start."""
    copies = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        for path in APP_MODULES
        for node in _functions(path)
        if node.name.startswith(("get_", "_get_"))
        and node.name.endswith("_for_user")
        and node.name != "get_for_user"
    ]
    assert copies == []


def test_no_module_reads_next_by_hand():
    """One "next" rule: ``safe_next``. Any other reading of a posted/queried ``next`` is a copy."""
    copies = []
    for path in APP_MODULES:
        if path == ROOT / "tromsvekst" / "lib" / "security.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ('.get("next"', "url_has_allowed_host_and_scheme"):
            if needle in text:
                copies.append(f"{path.relative_to(ROOT)}: {needle}")
    assert copies == []


class TestSafeNext:
    @pytest.mark.parametrize(
        "wanted",
        [
            "/avtaler/halogaland/",
            "/handlingsplaner/3/?status=delayed&sok=bolig#milepael-4",
            "/moter/7/#oppgave-2",
        ],
    )
    def test_a_path_on_this_site_is_followed(self, wanted):
        assert safe_next(_request(AnonymousUser(), get={"next": wanted}), "/") == wanted
        assert safe_next(_request(AnonymousUser(), post={"next": wanted}), "/") == wanted

    @pytest.mark.parametrize(
        "wanted",
        [
            "https://evil.example/",
            "http://testserver/avtaler/",  # even our own host: only paths
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "javascript:alert(1)",
            "avtaler/",
            "/" + "a" * 2000,
            "/ok\x00",
            "",
        ],
    )
    def test_anything_else_gives_the_default(self, wanted):
        assert safe_next(_request(AnonymousUser(), get={"next": wanted}), "/start/") == "/start/"
        assert safe_next(_request(AnonymousUser(), post={"next": wanted}), "/start/") == "/start/"

    def test_the_posted_next_wins_over_the_queried_one(self):
        request = RequestFactory().post("/?next=/fra-adressen/", {"next": "/fra-skjemaet/"})
        assert safe_next(request, "/") == "/fra-skjemaet/"

    def test_without_a_default_it_is_empty(self):
        assert safe_next(_request(AnonymousUser(), get={"next": "//evil.example"})) == ""
