"""The progress form as a page of its own (``/milepaeler/<id>/status/``), with JavaScript on.

The reminder e-mail's "Oppdater status" link, "Logg fremdrift" on the milestone page and the
link on the delete page open this page. Its form posts with htmx, so every element the page
names as an htmx target must exist on that page (issue 11, finding 2: it named the plan page's
row ``#milepael-<id>``, htmx refused to send, and nothing happened). The row editor on the plan
page keeps posting into the row; tests/actionplans/test_log_progress.py covers that.
"""

import html
import re
from html.parser import HTMLParser

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from actionplans.models import Milestone, ProgressUpdate, Status

MY_COMMENT = "Møtet med kommunene er holdt, arbeidet går etter planen."
THEIR_COMMENT = "Kommunene har bedt om utsettelse til høsten."


class _Targets(HTMLParser):
    """The ids in a page and the ``#id`` targets its htmx attributes name."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in {"hx-target", "data-hx-target"} and value and value.startswith("#"):
                self.targets.append(value[1:])


def _targets(body: str) -> _Targets:
    parser = _Targets()
    parser.feed(body)
    return parser


def url_for(milestone: Milestone, next_url: str = "") -> str:
    url = reverse("actionplans:progress-log", args=[milestone.pk])
    return f"{url}?next={next_url}" if next_url else url


def page_htmx(milestone: Milestone) -> dict:
    """The headers htmx sends for the page's own form: it names the element it swaps."""
    return {"HX-Request": "true", "HX-Target": f"progress-form-{milestone.pk}"}


def form_data(milestone: Milestone, **overrides) -> dict:
    data = {
        "status": Status.ON_TRACK,
        "percent": "40",
        "comment": "",
        "evidence_url": "",
        "version": str(milestone.version),
        "next": milestone.get_absolute_url(),
    }
    return data | overrides


def textarea_text(body: str) -> str:
    match = re.search(r'<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>', body, re.S)
    assert match, "the form has no comment field"
    # As a browser reads it: HTML drops the newline right after <textarea> (Django writes one).
    return html.unescape(match.group(1).removeprefix("\n"))


def form_tag(body: str) -> str:
    match = re.search(r"<form[^>]*data-hx-post[^>]*>", body)
    assert match, "the form does not post with htmx"
    return match.group()


@pytest.mark.parametrize("came_from", ["e-mail", "milestone page"])
def test_every_htmx_target_on_the_full_page_exists_on_that_page(
    client_for, coordinator, open_milestone, came_from
):
    next_url = open_milestone.get_absolute_url() if came_from == "milestone page" else ""

    body = client_for(coordinator).get(url_for(open_milestone, next_url)).content.decode()

    found = _targets(body)
    assert f"progress-form-{open_milestone.pk}" in found.targets
    missing = [target for target in found.targets if target not in found.ids]
    assert not missing, f"htmx targets that are not on the page: {missing}"


def test_the_page_form_posts_into_itself_and_cancel_is_a_plain_link(
    client_for, coordinator, open_milestone
):
    body = client_for(coordinator).get(url_for(open_milestone)).content.decode()

    tag = form_tag(body)
    assert f'data-hx-target="#progress-form-{open_milestone.pk}"' in tag
    assert 'data-hx-swap="outerHTML"' in tag
    cancel = re.search(r"<a[^>]*>\s*Avbryt\s*</a>", body).group()
    assert "hx-get" not in cancel
    # Nothing grabs the focus when the page opens from an e-mail.
    assert "autofocus" not in body


def test_saving_from_the_page_with_htmx_sends_the_browser_on_with_the_message(
    client_for, coordinator, open_milestone
):
    client = client_for(coordinator)
    data = form_data(open_milestone, status=Status.AT_RISK, percent="35", comment=MY_COMMENT)

    response = client.post(url_for(open_milestone), data, headers=page_htmx(open_milestone))

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == open_milestone.get_absolute_url()
    assert "HX-Retarget" not in response.headers
    update = ProgressUpdate.objects.get()
    assert (update.milestone, update.author) == (open_milestone, coordinator)
    assert (update.status, update.percent, update.comment) == (Status.AT_RISK, 35, MY_COMMENT)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Status for «Kartlegge boligbehovet i kommunene» er lagret: Risiko, 35 %."
    ]
    # The page the browser is sent to shows the message and the update in the history.
    page = html.unescape(client.get(response.headers["HX-Redirect"]).content.decode())
    assert "er lagret: Risiko, 35 %." in page
    assert MY_COMMENT in page


def test_errors_from_the_page_come_back_into_the_page_form(client_for, coordinator, open_milestone):
    data = form_data(open_milestone, status=Status.AT_RISK, comment="", percent="20")

    response = client_for(coordinator).post(
        url_for(open_milestone), data, headers=page_htmx(open_milestone)
    )

    assert response.status_code == 200
    assert "HX-Retarget" not in response.headers and "HX-Redirect" not in response.headers
    body = html.unescape(response.content.decode())
    assert "<html" not in body
    assert f'<div class="progress-form" id="progress-form-{open_milestone.pk}">' in body
    assert "Statusen ble ikke lagret. Rett feilene under og prøv igjen." in body
    # The next save aims at the same element, and the error summary takes the focus.
    assert f'data-hx-target="#progress-form-{open_milestone.pk}"' in form_tag(body)
    assert re.search(
        r'<div class="ds-alert" data-color="danger" role="alert" tabindex="-1" autofocus', body
    )
    assert not ProgressUpdate.objects.exists()


def test_a_conflict_on_the_page_keeps_what_was_typed(
    client_for, coordinator, admin_user, open_milestone, log
):
    client = client_for(coordinator)
    client.get(url_for(open_milestone))
    opened = open_milestone.version
    log(open_milestone, admin_user, Status.DELAYED, 25, THEIR_COMMENT)
    data = form_data(open_milestone, percent="50", comment=MY_COMMENT) | {"version": str(opened)}

    response = client.post(url_for(open_milestone), data, headers=page_htmx(open_milestone))

    assert response.status_code == 200
    assert "HX-Retarget" not in response.headers and "HX-Redirect" not in response.headers
    body = html.unescape(response.content.decode())
    assert "Noen andre har oppdatert milepælen mens du skrev" in body
    assert THEIR_COMMENT in body
    assert textarea_text(body) == MY_COMMENT
    assert f'data-hx-target="#progress-form-{open_milestone.pk}"' in form_tag(body)
    assert "Lagre likevel" in body
    assert ProgressUpdate.objects.count() == 1


@pytest.mark.parametrize("target", ["page", "row"])
def test_after_the_session_ran_out_an_htmx_save_gets_401_not_the_login_page(
    client, open_milestone, target
):
    """Following a redirect, htmx would swap the login page into the form; a 401 is swapped
    nowhere, and static/js/htmx-errors.js says to log in again (tests/browser/…journey.py)."""
    headers = page_htmx(open_milestone) if target == "page" else {"HX-Request": "true"}

    response = client.post(url_for(open_milestone), form_data(open_milestone), headers=headers)

    assert response.status_code == 401
    assert "Location" not in response.headers
    assert not ProgressUpdate.objects.exists()
    # Without htmx the browser is still sent to the login page.
    plain = client.post(url_for(open_milestone), form_data(open_milestone))
    assert plain.status_code == 302
    assert plain.url.startswith(reverse("login"))
