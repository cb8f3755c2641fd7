"""WCAG 1.4.10 Reflow: no page is wider than a 375 px phone (issue 11, finding 3).

For each of a coordinator, a politician and an administrator, the demo (as ``make run`` shows
it, with ``load_demo``'s plan, meetings, evaluation and indicators) is walked from the landing
page by following every link within the site, at a 375 px viewport. A 300-character URL and a
300-character unbroken word are planted first in a progress comment, in a meeting's minutes,
in an agenda item and in a decision, where people paste them. Every page must have
``document.documentElement.scrollWidth <= 375``; the failure lists every page that does not.

Pages of one kind (the same view with the same query keys) are visited once, except the pages
that show the planted text, which are all visited first. The same walk checks that every ``#id`` an htmx attribute names
as its target exists on the page (finding 2 was a full page whose target did not).
"""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Milestone
from actionplans.services import progress_log
from agreements.models import AgendaItem, Decision, Meeting
from tests.helpers.page_walk import ROLES, log_in, walk
from tromsvekst.demo.evaluation import demo_evaluation_load
from tromsvekst.demo.indicators import demo_indicators_load
from tromsvekst.demo.meetings import demo_meetings_load
from tromsvekst.demo.plan import demo_plan_load

PHONE = {"width": 375, "height": 812}
LONG_URL = "https://www.tromsfylke.no/" + "/".join(["dokumentarkiv-for-tromsvekst"] * 11)
LONG_URL = (LONG_URL + "?side=" + "x" * 300)[:300]
LONG_WORD = "Hålogalands" + "samarbeidsavtale" * 18
LONG_WORD = LONG_WORD[:300]
LONG_TEXT = f"Se {LONG_URL} og {LONG_WORD} for detaljene."


@pytest.fixture
def long_text_site(demo_site) -> dict:
    """The demo, with the long URL and word in a progress comment (a milestone that is not
    done), the last held meeting's minutes, an agenda item and a decision of the next meeting.
    Returns the paths of the pages that show them."""
    plan = demo_plan_load().plan
    demo_meetings_load()
    demo_evaluation_load()
    demo_indicators_load()
    milestone = (
        Milestone.objects.in_plan(plan)
        .exclude(status__in=["done", "cancelled"])
        .order_by("due_date", "pk")
        .first()
    )
    progress_log(
        milestone=milestone,
        user=User.objects.get(username="koordinator.troms"),
        status="at_risk",
        percent=milestone.percent,
        comment=LONG_TEXT,
        evidence_url=LONG_URL,
        seen_version=milestone.version,
    )
    agreement = plan.agreement
    now = timezone.now()
    held = Meeting.objects.filter(agreement=agreement, start__lt=now).latest("start")
    held.minutes = f"{held.minutes}\n\n{LONG_TEXT}"
    held.save(update_fields=["minutes"])
    upcoming = Meeting.objects.filter(agreement=agreement, start__gte=now).order_by("start").first()
    for meeting in (held, upcoming):
        number = (
            meeting.agenda_items.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        item = AgendaItem.objects.create(
            meeting=meeting, number=number, title=LONG_WORD, description=LONG_TEXT
        )
    Decision.objects.create(agenda_item=item, text=LONG_TEXT)
    return {
        "seeds": [
            milestone.get_absolute_url(),
            held.get_absolute_url(),
            upcoming.get_absolute_url(),
            reverse("actionplans:meeting-brief", args=[upcoming.pk]),
            reverse("actionplans:meeting-brief", args=[held.pk]),
        ]
    }


# The elements that hold the planted word or URL in their own text, and how wide each is: a
# word that does not wrap makes its element as wide as the word (some 2,500 px), even inside a
# box that scrolls.
PLANTED_WIDTHS = """(pieces) => Array.from(document.querySelectorAll('body *'))
    .filter(el => Array.from(el.childNodes).some(
        node => node.nodeType === Node.TEXT_NODE && pieces.some(p => node.textContent.includes(p))))
    .filter(el => el.getClientRects().length > 0)
    .map(el => [el.tagName.toLowerCase(), Math.ceil(el.getBoundingClientRect().width)])"""
PIECES = [LONG_WORD[-40:], LONG_URL[-40:]]
MISSING_TARGETS = """() => Array.from(
    document.querySelectorAll('[hx-target^="#"], [data-hx-target^="#"]'),
    el => el.getAttribute('data-hx-target') || el.getAttribute('hx-target'),
).filter(target => !document.querySelector(target))"""


def _walk(page, base_url: str, seeds: list[str]) -> tuple[dict, dict, dict]:
    """Visit every kind of page reachable from the landing page and ``seeds``
    (tests/helpers/page_walk.py). Returns {path: width} of all pages, {path: [missing htmx
    targets]} and {path: [(element, width)]} of the planted long text where it is wider than
    the screen."""
    widths: dict[str, int] = {}
    missing: dict[str, list[str]] = {}
    unwrapped: dict[str, list] = {}

    def measure(path: str) -> None:
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
        targets = page.evaluate(MISSING_TARGETS)
        if targets:
            missing[path] = targets
        wide = [tuple(el) for el in page.evaluate(PLANTED_WIDTHS, PIECES) if el[1] > PHONE["width"]]
        # Django's admin lists keep a value on one line in a box that scrolls; the admin page
        # itself still fits (checked above).
        if wide and not path.startswith("/admin/"):
            unwrapped[path] = wide

    walk(page, base_url, seeds, measure)
    return widths, missing, unwrapped


@pytest.mark.parametrize("role", ROLES)
def test_no_page_is_wider_than_a_phone(page, live_server, long_text_site, role):
    # Chromium logs an error for each 4xx page a link leads to (e.g. a page a reader may not
    # open); the walk records widths, and the access rules have tests of their own.
    page.expected_errors.extend(["status of 403", "status of 404"])
    page.set_viewport_size(PHONE)
    log_in(page, ROLES[role])

    widths, missing, unwrapped = _walk(page, live_server.url, long_text_site["seeds"])

    assert len(widths) >= 15, f"the walk reached too few pages: {sorted(widths)}"
    for seed in long_text_site["seeds"]:
        assert seed in widths, f"{seed} was not checked"
    too_wide = {path: width for path, width in widths.items() if width > PHONE["width"]}
    assert not too_wide, (
        f"{len(too_wide)} of {len(widths)} pages are wider than {PHONE['width']} px for the "
        f"{role}:\n"
        + "\n".join(f"  {width} px  {path}" for path, width in sorted(too_wide.items()))
    )
    assert not unwrapped, "the long word or URL does not wrap:\n" + "\n".join(
        f"  {path}: {elements}" for path, elements in sorted(unwrapped.items())
    )
    assert not missing, "htmx targets missing from their page:\n" + "\n".join(
        f"  {path}: {targets}" for path, targets in sorted(missing.items())
    )


def test_no_public_page_is_wider_than_a_phone(page, live_server, long_text_site):
    """What anyone sees without logging in: the login and password pages, the public agreement
    (Hålogaland is public) and the accessibility statement."""
    page.set_viewport_size(PHONE)

    widths, missing, unwrapped = _walk(
        page, live_server.url, ["/avtaler/halogaland/", "/logg-inn/"]
    )

    assert {"/avtaler/halogaland/", "/logg-inn/"} <= set(widths)
    too_wide = {path: width for path, width in widths.items() if width > PHONE["width"]}
    assert not too_wide, "pages wider than a phone without login:\n" + "\n".join(
        f"  {width} px  {path}" for path, width in sorted(too_wide.items())
    )
    assert not unwrapped and not missing
