"""Shared fixtures: the real agreement, a second (non-public) agreement, and named users.

The users, and what they may do (see the role table in the design notes):

==================  ==========================================================================
``admin_user``      Ada Admin, superuser and staff: may do everything.
``coordinator``     Tone Koordinator, coordinator of ``agreement`` for Troms fylkeskommune
                    (a county coordinator: may edit, and finalise evaluations).
``reader``          Per Politiker, reader (politician) of ``agreement`` for Hålogalandsrådet.
``outsider``        Otto Utenfor, coordinator of ``other_agreement`` only: for ``agreement``
                    he is an outsider (reads it only because it is public).
==================  ==========================================================================

Every user has the password ``PASSWORD`` (also the ``password`` fixture), so a test can go
through the real login form; most tests use ``client_for(user)``, which logs in directly.

``agreement`` is *Tromsvekstavtalen for Hålogalandsregionen*, loaded from
``fixtures/tromsvekstavtalen-halogaland.json`` through ``agreement_load``, as ``manage.py
load_agreement`` does: public, 4 focus areas, 6 sub-goals, 20 strategies.
``other_agreement`` is a small, non-public agreement made in code (slug ``nord-troms``).
``private_agreement`` is ``agreement`` made non-public; ``objects`` is one record of each kind in
it (tests/helpers/urls.py), for the tests that visit every view.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from agreements.loader import agreement_load, read_agreement_file
from agreements.models import (
    Agreement,
    AgreementParty,
    Coordinator,
    FocusArea,
    Party,
    Strategy,
    SubGoal,
)
from tests.factories import AGREEMENT_FILE, COUNCIL, COUNTY, PASSWORD, make_user
from tests.helpers.chromium import CHROMIUM, CHROMIUM_ARGS, chromium_or_skip
from tests.helpers.urls import build_objects


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory) -> None:
    """Stored files (attached documents, final reports) go to the run's temporary folder, never to
    var/media; a test that needs an empty MEDIA_ROOT of its own sets one."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture
def password() -> str:
    """The password every named user has."""
    return PASSWORD


@pytest.fixture
def agreement_file() -> Path:
    """The fixture file the real agreement is loaded from."""
    return AGREEMENT_FILE


@pytest.fixture
def agreement(db) -> Agreement:
    """Tromsvekstavtalen for Hålogalandsregionen, loaded as ``manage.py load_agreement`` does."""
    return agreement_load(data=read_agreement_file(AGREEMENT_FILE)).agreement


def _county() -> Party:
    # The same natural key and texts as in the agreement file, so either fixture may come first.
    party, _ = Party.objects.get_or_create(
        slug=COUNTY,
        defaults={
            "name": "Troms fylkeskommune",
            "kind": Party.Kind.COUNTY,
            "website": "https://www.tromsfylke.no/",
        },
    )
    return party


@pytest.fixture
def other_agreement(db) -> Agreement:
    """A small, non-public agreement between Troms fylkeskommune and Nord-Troms regionråd.

    One focus area (1), one sub-goal (1.1) and one strategy; no coordinators but ``outsider``.
    """
    other = Agreement.objects.create(
        slug="nord-troms",
        title="Tromsvekstavtalen for Nord-Troms (test)",
        short_title="Nord-Troms",
        status=Agreement.Status.DRAFT,
        start_year=2025,
        end_year=2028,
        overall_goal="Et levende Nord-Troms (testavtale).",
        is_public=False,
    )
    council = Party.objects.create(
        slug="nord-troms-regionrad",
        name="Nord-Troms regionråd",
        kind=Party.Kind.REGIONAL_COUNCIL,
    )
    AgreementParty.objects.create(agreement=other, party=_county(), order=1)
    AgreementParty.objects.create(agreement=other, party=council, order=2)
    area = FocusArea.objects.create(agreement=other, number=1, title="Næringsutvikling i nord")
    goal = SubGoal.objects.create(
        agreement=other, focus_area=area, code="1.1", text="Flere arbeidsplasser i Nord-Troms."
    )
    Strategy.objects.create(sub_goal=goal, order=1, text="Samarbeide om næringsarealer.")
    return other


@pytest.fixture
def admin_user(db) -> User:
    """Ada Admin, superuser. (Replaces pytest-django's own ``admin_user``.)"""
    return make_user("ada.admin", "Ada", "Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def coordinator(agreement) -> User:
    """Tone Koordinator: coordinator of ``agreement`` for Troms fylkeskommune."""
    user = make_user("tone.koordinator", "Tone", "Koordinator")
    Coordinator.objects.create(
        agreement=agreement,
        user=user,
        party=Party.objects.get(slug=COUNTY),
        role=Coordinator.Role.COORDINATOR,
        title="Rådgiver",
    )
    return user


@pytest.fixture
def reader(agreement) -> User:
    """Per Politiker: reader (politician) of ``agreement`` for Hålogalandsrådet."""
    user = make_user("per.politiker", "Per", "Politiker")
    Coordinator.objects.create(
        agreement=agreement,
        user=user,
        party=Party.objects.get(slug=COUNCIL),
        role=Coordinator.Role.READER,
    )
    return user


@pytest.fixture
def outsider(other_agreement) -> User:
    """Otto Utenfor: coordinator of ``other_agreement`` only, nothing in ``agreement``."""
    user = make_user("otto.utenfor", "Otto", "Utenfor")
    Coordinator.objects.create(
        agreement=other_agreement,
        user=user,
        party=Party.objects.get(slug="nord-troms-regionrad"),
        role=Coordinator.Role.COORDINATOR,
    )
    return user


@pytest.fixture
def client_for(db) -> Callable[[User | None], Client]:
    """``client_for(user)``: a test client logged in as ``user``; ``client_for(None)`` is anonymous.

    Each call gives a fresh client, so one test can compare what two users see.
    """

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def private_agreement(agreement):
    """The agreement, not public, so that reading it needs a role."""
    agreement.is_public = False
    agreement.save(update_fields=["is_public"])
    return agreement


@pytest.fixture
def objects(private_agreement, coordinator):
    """One record of each kind, in the private agreement (tests/helpers/urls.py)."""
    return build_objects(private_agreement, coordinator)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium through Playwright, one per test process (tests/helpers/chromium.py)."""
    from playwright.sync_api import sync_playwright

    chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
