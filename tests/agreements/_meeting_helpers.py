"""Helpers shared by the coordinator, meeting, schedule and decision tests (plain functions, not
fixtures, so that no conftest is needed)."""

import datetime
import html
import re

from agreements.models import AgendaItem, Decision, FollowUpTask, Meeting, Party
from tests.factories import at

LOGIN = "/logg-inn/"


def make_meeting(
    agreement,
    *,
    kind: str = Meeting.Kind.PHYSICAL,
    status: str = Meeting.Status.PLANNED,
    start: datetime.datetime | None = None,
    hours: int = 4,
    title: str = "",
    place: str = "Harstad rådhus",
    video_link: str = "",
) -> Meeting:
    start = start or at(2026, 5, 5)
    return Meeting.objects.create(
        agreement=agreement,
        title=title or f"{Meeting.Kind(kind).label} {start:%Y-%m-%d}",
        kind=kind,
        status=status,
        start=start,
        end=start + datetime.timedelta(hours=hours),
        place=place if kind == Meeting.Kind.PHYSICAL else "",
        video_link=video_link
        or ("https://teams.example/m" if kind == Meeting.Kind.DIGITAL else ""),
        inviting_party=Party.objects.get(slug="halogalandsradet"),
    )


def make_item(meeting: Meeting, number: int = 1, title: str = "Evenes lufthavn") -> AgendaItem:
    return AgendaItem.objects.create(meeting=meeting, number=number, title=title)


def make_task(
    meeting: Meeting,
    *,
    title: str,
    responsible,
    due: datetime.date = datetime.date(2026, 9, 1),
    done: bool = False,
    number: int = 1,
) -> FollowUpTask:
    item = AgendaItem.objects.filter(meeting=meeting, number=number).first() or make_item(
        meeting, number
    )
    decision = Decision.objects.create(agenda_item=item, text="Regionrådet ber om en utredning.")
    return FollowUpTask.objects.create(
        decision=decision,
        title=title,
        responsible=responsible,
        due_date=due,
        done=done,
        done_on=datetime.date(2026, 6, 1) if done else None,
    )


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, white space collapsed."""
    content = response.content.decode()
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def assert_redirects_to_login(response, path: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"
