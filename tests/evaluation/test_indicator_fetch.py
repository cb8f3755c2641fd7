"""«Hent nye tall»: an indicator's SSB table fetched from the PxWebApi v2 (the setting
SSB_API_URL) and fed into the same choice, preview and confirm steps as an upload.

No network: a real HTTP server on the loopback interface (http.server in a thread) answers as SSB
would, with a recorded real SSB answer (table 05300 as JSON-stat 2; recorded from SSB's API, see
tests/evaluation/data/real/README.md), or fails: HTTP 500
and 404, too slow (headers late, or a body that trickles), invalid JSON, an HTML page, too large
(with and without Content-Length), a redirect to a file: address, and nobody listening. Each
failure gives a Norwegian message, creates no draft and leaves the stored values as they were.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from evaluation.indicators import ssb
from evaluation.models import IndicatorImportDraft, IndicatorValue, IndicatorValueChange
from tests.factories import make_indicator

REAL = Path(__file__).parent / "data" / "real"
SSB_05300 = REAL / "ssb-05300-avstand-kulturtilbud.json"
QUERY = (
    "valueCodes[Avstand1]=*&valueCodes[Kulturtilbud]=*&valueCodes[ContentsCode]=Avstand"
    "&valueCodes[Tid]=*&outputFormat=csv"
)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0  # seconds before the headers
    trickle: float = 0.0  # seconds between 100-byte pieces of the body
    length: bool = True  # send Content-Length
    location: str = ""


@dataclass
class FakeSsb:
    url: str
    answer: Answer = field(default_factory=Answer)
    paths: list[str] = field(default_factory=list)


def _handler(state: FakeSsb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            state.paths.append(self.path)
            answer = state.answer
            time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                if answer.location:
                    self.send_header("Location", answer.location)
                if answer.length:
                    self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if answer.trickle:
                    for start in range(0, len(answer.body), 100):
                        self.wfile.write(answer.body[start : start + 100])
                        self.wfile.flush()
                        time.sleep(answer.trickle)
                else:
                    self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the portal gave up, as it should

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def fake_ssb(settings) -> Iterator[FakeSsb]:
    state = FakeSsb(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/pxwebapi/v2"
    settings.SSB_API_URL = state.url
    settings.SSB_API_TIMEOUT = 1
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def culture(agreement):
    indicator = make_indicator(
        agreement,
        municipalities="",
        name="Andel med kino nær",
        unit="prosent",
        source="SSB tabell 05300",
        ssb_table="05300",
        ssb_query=QUERY,
    )
    IndicatorValue.objects.create(indicator=indicator, year=1991, value=15, source_note="Før")
    return indicator


@pytest.fixture
def coordinator_client(client_for, coordinator):
    return client_for(coordinator)


def fetch(client, indicator):
    return client.post(reverse("evaluation:indicator-fetch", args=[indicator.pk]))


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def assert_nothing_changed(indicator) -> None:
    assert list(indicator.values.values_list("year", "value")) == [(1991, Decimal("15"))]
    assert not IndicatorImportDraft.objects.exists()
    assert not IndicatorValueChange.objects.exists()


# --------------------------------------------------------------------------------------------
# A recorded real answer


def test_the_table_is_fetched_chosen_previewed_and_stored(coordinator_client, fake_ssb, culture):
    fake_ssb.answer = Answer(body=SSB_05300.read_bytes())

    response = fetch(coordinator_client, culture)

    draft = IndicatorImportDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "evaluation:indicator-import-draft", args=[culture.pk, draft.pk]
    )
    assert draft.origin == IndicatorImportDraft.Origin.SSB
    assert draft.data == SSB_05300.read_bytes()
    # What was asked: the table, JSON-stat 2 in Norwegian, the indicator's query (its own
    # outputFormat dropped).
    (path,) = fake_ssb.paths
    assert unquote(path) == (
        "/api/pxwebapi/v2/tables/05300/data?lang=no&outputFormat=json-stat2"
        "&valueCodes[Avstand1]=*&valueCodes[Kulturtilbud]=*&valueCodes[ContentsCode]=Avstand"
        "&valueCodes[Tid]=*"
    )
    assert list(culture.values.values_list("year", flat=True)) == [1991]  # nothing yet

    url = response["Location"]
    page = coordinator_client.get(url, {"d0": "01", "d1": "01"}).content.decode()
    assert "Hentet fra SSB" in page
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)
    confirmed = coordinator_client.post(url, {"d0": "01", "d1": "01", "fingerprint": fingerprint})

    assert confirmed.status_code == 302
    values = dict(culture.values.values_list("year", "value"))
    assert values[1991] == Decimal("16")  # replaced
    assert values[2021] == Decimal("12")
    assert len(values) == 9
    note = culture.values.get(year=2021).source_note
    assert "tabell 05300" in note and "Under 1 km" in note
    change = IndicatorValueChange.objects.get(indicator=culture, year=1991)
    assert (change.old_value, change.new_value) == (Decimal("15"), Decimal("16"))
    assert change.reason == "Hentet fra SSB, tabell 05300"


def test_an_indicator_without_a_table_says_what_to_do(coordinator_client, fake_ssb, culture):
    culture.ssb_table = ""
    culture.save()

    response = fetch(coordinator_client, culture)

    assert response.status_code == 302
    assert "Indikatoren har ingen SSB-tabell." in messages_of(response)
    assert fake_ssb.paths == []
    assert_nothing_changed(culture)


def test_the_button_is_shown_only_with_a_table(coordinator_client, culture):
    url = reverse("evaluation:indicator-detail", args=[culture.pk])
    assert "Hent nye tall" in coordinator_client.get(url).content.decode()
    culture.ssb_table = ""
    culture.save()
    assert "Hent nye tall" not in coordinator_client.get(url).content.decode()


def test_a_reader_cannot_fetch(client_for, reader, fake_ssb, culture):
    assert fetch(client_for(reader), culture).status_code == 403
    assert fake_ssb.paths == []


# --------------------------------------------------------------------------------------------
# Failures


FAILURES = [
    pytest.param(
        Answer(status=500, body=b'{"error": "internal"}'),
        "SSBs API svarte med en feil (HTTP 500).",
        id="500",
    ),
    pytest.param(
        Answer(status=404, body=b"{}"),
        "SSB fant ikke tabellen eller godtok ikke spørringen (HTTP 404).",
        id="404",
    ),
    pytest.param(
        Answer(status=429, body=b"{}"),
        "SSB har fått for mange forespørsler.",
        id="429",
    ),
    pytest.param(
        Answer(body=SSB_05300.read_bytes(), delay=1.5),
        "SSBs API svarte ikke innen 1 sekunder.",
        id="slow-headers",
    ),
    pytest.param(
        Answer(body=SSB_05300.read_bytes(), trickle=0.05),
        "SSBs API svarte ikke innen 1 sekunder.",
        id="trickling-body",
    ),
    pytest.param(
        Answer(body=SSB_05300.read_bytes()[:1500]),
        "Svaret fra SSB kunne ikke leses:",
        id="invalid-json",
    ),
    pytest.param(
        Answer(body=b"<!doctype html><title>Vedlikehold</title><p>Tilbake snart.</p>"),
        "Svaret fra SSB kunne ikke leses:",
        id="html-page",
    ),
    pytest.param(
        Answer(status=302, location="file:///etc/passwd"),
        "Fikk ikke kontakt med SSBs API.",
        id="redirect-to-file",
    ),
]


@pytest.mark.parametrize("answer, message", FAILURES)
def test_a_failing_api_keeps_what_is_stored(coordinator_client, fake_ssb, culture, answer, message):
    fake_ssb.answer = answer

    response = fetch(coordinator_client, culture)

    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:indicator-detail", args=[culture.pk])
    text = messages_of(response)
    assert message in text
    assert "De lagrede verdiene er ikke endret." in text
    assert_nothing_changed(culture)


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "no-length"])
def test_a_too_large_answer_is_refused(coordinator_client, fake_ssb, culture, settings, length):
    settings.INDICATOR_IMPORT_MAX_BYTES = 104_857  # 0,1 MB
    # The real answer with trailing white space (still valid JSON) past the limit.
    fake_ssb.answer = Answer(body=SSB_05300.read_bytes() + b" " * 110_000, length=length)

    response = fetch(coordinator_client, culture)

    assert "Svaret fra SSB er større enn 0,1 MB." in messages_of(response)
    assert_nothing_changed(culture)


def test_nobody_listening(coordinator_client, settings, culture):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.SSB_API_URL = f"http://127.0.0.1:{port}/api"

    response = fetch(coordinator_client, culture)

    assert "Fikk ikke kontakt med SSBs API." in messages_of(response)
    assert_nothing_changed(culture)


def test_only_http_and_https(coordinator_client, settings, culture):
    settings.SSB_API_URL = "file:///etc"

    response = fetch(coordinator_client, culture)

    assert "må begynne med https://" in messages_of(response)
    assert_nothing_changed(culture)


# --------------------------------------------------------------------------------------------
# The query


@pytest.mark.parametrize(
    "query",
    ["valueCodes[Region]=1806 5503", "a=b#c", "x=<script>", "æ=1", "a" * 1001],
)
def test_a_query_with_odd_characters_is_refused(query):
    with pytest.raises(ssb.SsbFetchError):
        ssb.fetch_table("05300", query)


def test_the_indicator_form_checks_table_and_query(coordinator_client, culture):
    url = reverse("evaluation:indicator-edit", args=[culture.pk])
    base = {
        "long_term_effect": culture.long_term_effect_id,
        "name": culture.name,
        "unit": culture.unit,
        "source": culture.source,
        "municipalities": "",
        "direction": "higher",
    }

    bad = coordinator_client.post(url, {**base, "ssb_table": "5300", "ssb_query": "x=<y>"})
    page = bad.content.decode()
    assert bad.status_code == 200
    assert "Skriv tabellnummeret med fem sifre." in page
    assert "Spørringen kan bare ha bokstaver" in page
    culture.refresh_from_db()
    assert (culture.ssb_table, culture.ssb_query) == ("05300", QUERY)

    good = coordinator_client.post(
        url,
        {
            **base,
            "ssb_table": "07459",
            "ssb_query": "valueCodes[Region]=1806,5503\r\n&valueCodes[Tid]=top(5)",
        },
    )
    assert good.status_code == 302
    culture.refresh_from_db()
    assert culture.ssb_table == "07459"
    assert culture.ssb_query == "valueCodes[Region]=1806,5503&valueCodes[Tid]=top(5)"
