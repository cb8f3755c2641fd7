"""The portal as deployed: README's «Production» steps, served by gunicorn, used as people use it.

One site for the module (``production`` in conftest.py): a PostgreSQL database of its own,
``collectstatic`` with the manifest storage, the agreement and the demo data, and two gunicorn
instances (2 workers each) on the same database, with ``DEBUG=False``, a random ``SECRET_KEY``
and an SMTP sink. The tests go through it over HTTP, and in Chromium with JavaScript on.
"""

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.production._portal import BEHIND_TLS_PROXY, DEMO_PASSWORD, DEMO_USERS, Http

pytestmark = pytest.mark.xdist_group("production-run")

FONTS_DIR = Path(__file__).resolve().parents[2] / "static" / "vendor" / "fonts"


def _agreement_slug(production) -> str:
    (slug,) = production.query(
        "SELECT slug FROM agreements_agreement WHERE NOT is_example ORDER BY id LIMIT 1"
    )[0]
    return slug


# --- Signing in, each demo role -------------------------------------------------------------------


@pytest.mark.parametrize("username", DEMO_USERS)
def test_each_demo_role_signs_in_and_lands_on_a_page(production, username):
    server = production.servers[0]
    landing = Http(server.url).login(username)

    assert landing.status == 200, (username, landing.url, landing.status)
    assert "/logg-inn/" not in landing.url, f"{username} was not let in"
    assert "Logg ut" in landing.text
    assert "private" in landing.header("cache-control")
    assert "no-store" in landing.header("cache-control")


def test_a_wrong_password_is_refused_in_norwegian(production):
    answer = Http(production.servers[0].url).login("politiker", DEMO_PASSWORD + "x")

    assert answer.status == 200
    assert "/logg-inn/" in answer.url
    assert 'lang="nb"' in answer.text


# --- Static files, caching and error pages ------------------------------------------------------


def test_static_files_are_served_by_whitenoise_with_hashed_names(production):
    server = production.servers[0]
    page = Http(server.url).get("/logg-inn/")
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page.text)

    assert stylesheets, page.text[:500]
    for href in stylesheets:
        assert re.search(r"\.[0-9a-f]{12}\.css$", href), f"not a hashed name: {href}"
        answer = Http(server.url).get(href, headers={"Accept-Encoding": "gzip"})
        assert answer.status == 200, href
        assert answer.header("content-type").startswith("text/css")
        cache = answer.header("cache-control")
        assert "immutable" in cache and "public" in cache, (href, cache)
        assert "no-store" not in cache
        assert answer.header("content-encoding") == "gzip"  # compressed ahead by collectstatic


def test_internal_pages_are_never_stored_and_public_pages_keep_their_caching(production):
    server = production.servers[0]
    anonymous = Http(server.url)
    public = anonymous.get(f"/avtaler/{_agreement_slug(production)}/")
    assert public.status == 200
    assert "no-store" not in public.header("cache-control")

    coordinator = Http(server.url)
    coordinator.login("koordinator.troms")
    for path in [
        f"/avtaler/{_agreement_slug(production)}/",
        f"/avtaler/{_agreement_slug(production)}/oversikt/",
        f"/avtaler/{_agreement_slug(production)}/handlingsplaner/",
        "/avtaler/",
    ]:
        answer = coordinator.get(path)
        assert answer.status == 200, path
        cache = answer.header("cache-control")
        assert "private" in cache and "no-store" in cache, (path, cache)

    # A plan's rows on demand, as htmx asks for them, and the search, as deployed.
    (action, plan) = production.query(
        "SELECT a.id, a.plan_id FROM actionplans_action a JOIN actionplans_actionplan p"
        " ON p.id = a.plan_id JOIN agreements_agreement g ON g.id = p.agreement_id"
        " WHERE NOT g.is_example ORDER BY a.id LIMIT 1"
    )[0]
    rows = coordinator.get(
        f"/handlingsplaner/{plan}/?action={action}", headers={"HX-Request": "true"}
    )
    assert rows.status == 200 and rows.text.startswith('<ul class="milestones"'), rows.text[:300]
    assert "hx-request" in rows.header("vary").lower()
    assert 'id="milepael-' in rows.text
    found = coordinator.get("/sok/?q=bolig")
    assert found.status == 200 and "search-hit" in found.text, found.text[:300]

    # After logout the same browser gets the login page, not the dashboard.
    coordinator.post("/logg-ut/", {})
    after = coordinator.get(f"/avtaler/{_agreement_slug(production)}/oversikt/")
    assert after.status == 302 and "/logg-inn/" in after.header("location")


def test_error_pages_are_the_norwegian_ones(production):
    server = production.servers[0]
    politician = Http(server.url)
    politician.login("politiker")

    not_found = politician.get("/finnes-ikke/")
    assert not_found.status == 404
    assert "Fant ikke siden" in not_found.text and 'lang="nb"' in not_found.text
    assert "Traceback" not in not_found.text and "DEBUG" not in not_found.text

    forbidden = politician.get(f"/avtaler/{_agreement_slug(production)}/koordinatorer/ny/")
    assert forbidden.status == 403
    assert "Ingen tilgang" in forbidden.text

    # A form without its token (an expired page): 403 with the portal's own explanation.
    expired = Http(server.url).request("POST", "/logg-inn/", data={"username": "x"})
    assert expired.status == 403
    assert "Skjemaet er utløpt" in expired.text

    # A host name the portal does not serve: 400.
    bad_host = Http(server.url).get("/logg-inn/", headers={"Host": "angriper.example"})
    assert bad_host.status == 400
    assert "Ugyldig forespørsel" in bad_host.text

    unknown_static = Http(server.url).get("/static/css/finnes-ikke.css")
    assert unknown_static.status == 404


def test_health_and_readiness(production):
    for server in production.servers:
        http = Http(server.url)
        assert http.get("/helse/").body == b"ok"
        ready = http.get("/helse/klar/")
        assert (ready.status, ready.body) == (200, b"ok")


# --- PDFs: only the portal's own fonts ------------------------------------------------------------


def _squeeze(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _portal_font_families() -> set[str]:
    """The family names of the fonts shipped in static/vendor/fonts, squeezed
    («sourcesans3»), read from the font files themselves."""
    from fontTools.ttLib import TTFont

    families = set()
    for path in FONTS_DIR.rglob("*"):
        if path.suffix.lower() in {".woff2", ".woff", ".ttf", ".otf"}:
            names = TTFont(path, lazy=True)["name"]
            for name_id in (16, 1):  # typographic family first, then the legacy family
                record = names.getName(name_id, 3, 1) or names.getName(name_id, 1, 0)
                if record is not None:
                    families.add(_squeeze(str(record)))
                    break
    assert families, f"no fonts found in {FONTS_DIR}"
    return families


def _embedded_fonts(pdf: bytes, tmp_path: Path, name: str) -> list[str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=30
    )
    rows = result.stdout.splitlines()[2:]  # below the header and its dashes
    return [row.split()[0] for row in rows if row.strip()]


@pytest.mark.parametrize("document", ["evaluation report", "meeting brief"])
def test_pdfs_embed_only_the_portals_fonts(production, tmp_path, document):
    coordinator = Http(production.servers[0].url)
    coordinator.login("koordinator.troms")
    if document == "evaluation report":
        (pk,) = production.query("SELECT id FROM evaluation_evaluation ORDER BY id LIMIT 1")[0]
        path = f"/evalueringer/{pk}/rapport.pdf"
    else:
        (pk,) = production.query(
            "SELECT m.id FROM agreements_meeting m JOIN agreements_agreement a"
            " ON a.id = m.agreement_id WHERE NOT a.is_example ORDER BY m.start DESC LIMIT 1"
        )[0]
        path = f"/avtaler/moter/{pk}/brief.pdf"

    answer = coordinator.get(path)

    assert answer.status == 200, (path, answer.status, production.logs()[-3000:])
    assert answer.header("content-type") == "application/pdf"
    assert answer.body.startswith(b"%PDF-")
    fonts = _embedded_fonts(answer.body, tmp_path, f"{document.replace(' ', '-')}.pdf")
    assert fonts, "pdffonts found no fonts"
    allowed = _portal_font_families()
    # Subset names look like «ABCDEF+Source-Sans-3-Bold»: the family, then the style.
    strangers = [
        font
        for font in fonts
        if not any(_squeeze(font.split("+")[-1]).startswith(family) for family in allowed)
    ]
    assert not strangers, f"{document}: fonts other than the portal's {allowed}: {fonts}"
    assert not any("dejavu" in font.lower() for font in fonts), fonts
    # The stylesheet was found (hashed names after collectstatic): nothing refused to load.
    assert "Refusing to fetch" not in production.logs()


# --- A reminder e-mail's link, followed in Chromium with JavaScript on ----------------------------


def _sign_in(page, username: str) -> None:
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_after_logout_the_back_button_shows_no_dashboard(production, browser):
    """A shared computer: the next person presses «back» after the politician logged out.

    What the browser does. Chromium also refetches here because of ``Vary: Cookie``; the
    ``Cache-Control: private, no-store`` that keeps every browser and proxy from storing the
    page at all is pinned by the tests above, test_private_pages.py and the permission matrix.
    """
    dashboard = f"{production.servers[0].url}/avtaler/{_agreement_slug(production)}/oversikt/"
    context = browser.new_context(locale="nb-NO")
    try:
        context.set_default_timeout(60_000)
        page = context.new_page()
        page.goto(dashboard)
        _sign_in(page, "politiker")
        page.wait_for_url(dashboard)
        assert "Logg ut" in page.content()
        page.goto(dashboard + "?side=2")  # a second page of history to go back over
        page.get_by_role("button", name="Logg ut").click()
        page.wait_for_url("**/logg-inn/**")

        page.go_back()

        assert "Logg ut" not in page.content(), f"{page.url} still shows a signed-in page"
        assert "/logg-inn/" in page.url
    finally:
        context.close()


def test_a_reminder_link_leads_to_a_save_that_is_stored(production, browser, tmp_path):
    production.manage("send_reminders")
    mails = production.smtp.mails_to("koordinator.troms@eksempel.invalid")
    assert len(mails) == 1, [mail.subject for mail in production.smtp.received]
    text = mails[0].text
    links = re.findall(r"Oppdater status: (\S+)", text)
    assert links, text
    link = links[0]
    assert link.startswith(production.env["SITE_URL"] + "/milepaeler/"), link
    milestone = int(re.search(r"/milepaeler/(\d+)/status/", link).group(1))
    before = production.query(
        "SELECT count(*) FROM actionplans_progressupdate WHERE milestone_id = %s", (milestone,)
    )[0][0]

    errors: list[str] = []
    context = browser.new_context(locale="nb-NO", java_script_enabled=True)
    try:
        context.set_default_timeout(60_000)  # a loaded CI machine
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and not message.location.get("url", "").endswith("/favicon.ico")
                and errors.append(f"console error: {message.text}")
            ),
        )
        page.goto(link)
        # Not signed in yet: the login page, which returns to the link afterwards.
        assert "/logg-inn/" in page.url
        _sign_in(page, "koordinator.troms")
        page.wait_for_url(f"**/milepaeler/{milestone}/status/**")
        assert page.evaluate("typeof htmx") == "object", "htmx did not load"

        page.get_by_label("Status").select_option("at_risk")
        page.get_by_label("Prosent fullført").fill("63")
        page.get_by_label("Kommentar").fill("Lagret fra lenken i påminnelsen (produksjonstest).")
        page.get_by_role("button", name="Lagre status").click()

        deadline = time.monotonic() + 30
        stored = []
        while time.monotonic() < deadline:
            stored = production.query(
                "SELECT status, percent, comment FROM actionplans_progressupdate"
                " WHERE milestone_id = %s ORDER BY id DESC",
                (milestone,),
            )
            if len(stored) > before:
                break
            time.sleep(0.2)
        assert len(stored) == before + 1, (
            "Saving from the reminder's link stored nothing. Browser errors: " + "; ".join(errors)
        )
        assert stored[0] == (
            "at_risk",
            63,
            "Lagret fra lenken i påminnelsen (produksjonstest).",
        )
        # The person is told: the page says it was saved.
        page.get_by_text("er lagret", exact=False).first.wait_for()
        # And the milestone's page shows it, through the other server (same session).
        page.goto(production.servers[1].url + f"/milepaeler/{milestone}/")
        assert f"/milepaeler/{milestone}/" in page.url
        assert "Lagret fra lenken i påminnelsen (produksjonstest)." in page.content()
        context.close()
    finally:
        context.close()
    assert not errors, "The browser reported errors:\n" + "\n".join(errors)


# --- Two app servers, one database ----------------------------------------------------------------


def _milestone_row(html: str, milestone: int) -> str:
    match = re.search(
        rf'<li class="milestone[^"]*" id="milepael-{milestone}">(.*?)</li>', html, re.S
    )
    assert match, f"milestone {milestone} not on the page"
    return match.group(1)


def test_a_save_on_one_server_shows_at_once_on_the_other(production):
    # The servers keep ready-rendered pages, as in production (not turned off as under tests).
    kept_for = production.manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.PAGE_CACHE_SECONDS)",
    )
    assert int(kept_for.stdout) > 0
    first, second = production.servers
    on_first = Http(first.url)
    on_first.login("koordinator.halogaland")
    on_second = on_first.on(second.url)  # the same session, through the other server
    (plan,) = production.query(
        "SELECT p.id FROM actionplans_actionplan p JOIN agreements_agreement a"
        " ON a.id = p.agreement_id WHERE NOT a.is_example ORDER BY p.start_year LIMIT 1"
    )[0]
    (milestone, version, percent) = production.query(
        "SELECT m.id, m.version, m.percent FROM actionplans_milestone m"
        " JOIN actionplans_action a ON a.id = m.action_id"
        " WHERE a.plan_id = %s AND m.status NOT IN ('done', 'cancelled') ORDER BY m.id LIMIT 1",
        (plan,),
    )[0]
    new_percent = 41 if percent != 41 else 42
    slug = _agreement_slug(production)
    pages = [f"/handlingsplaner/{plan}/", f"/avtaler/{slug}/oversikt/"]
    # Each worker of each server renders and keeps the pages (asked several times, so both
    # workers of both servers are likely to hold a kept copy).
    kept = {}
    for _round in range(3):
        for http in (on_first, on_second):
            for path in pages:
                answer = http.get(path)
                assert answer.status == 200, path
                kept[(http.base, path)] = answer.text
    assert f"{new_percent}&nbsp;%" not in _milestone_row(kept[(second.url, pages[0])], milestone)

    saved = on_first.post(
        f"/milepaeler/{milestone}/status/",
        {
            "status": "delayed",
            "percent": str(new_percent),
            "comment": "Lagret på den ene serveren.",
            "evidence_url": "",
            "version": str(version),
        },
    )
    assert saved.status == 302, saved.text[:2000]

    for http in (on_second, on_first, on_second, on_second):
        row = _milestone_row(http.get(pages[0]).text, milestone)
        assert f"{new_percent}&nbsp;%" in row, f"{http.base} shows an old plan page"
        assert "Forsinket" in row
    dashboard = on_second.get(pages[1])
    assert dashboard.status == 200
    assert dashboard.text != kept[(second.url, pages[1])], (
        "the dashboard on the other server is old"
    )
    # «Siden forrige møte» lists the save with its new figure: its queries' SQL is built once
    # per worker and run with each request's own values (tromsvekst.lib.queries.KeptSQL, with
    # PostgreSQL's prepared statements).
    assert _saved_change(dashboard.text, milestone, new_percent)
    assert not _saved_change(kept[(second.url, pages[1])], milestone, new_percent)


def _saved_change(html: str, milestone: int, percent: int) -> bool:
    return any(
        f'href="/milepaeler/{milestone}/"' in item and f"{percent}&nbsp;%" in item
        for item in re.findall(r"<li[^>]*>.*?</li>", html, re.S)
    )


# --- The deployment checks of the README ----------------------------------------------------------


def test_the_deployment_checks_pass_with_the_proxy_settings(production):
    """README step: ``manage.py check --deploy`` with what a real deployment sets in front of
    this run (HTTPS through the proxy)."""
    result = production.manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=BEHIND_TLS_PROXY,
    )
    assert "System check identified no issues" in result.stdout


def test_frozen_reports_are_stored_through_the_storage_api(production):
    """A finalised report's PDF goes to ``STORAGES["default"]`` (MEDIA_ROOT here), so an
    operator can put it on shared or object storage (README)."""
    result = production.manage(
        "shell",
        "--no-imports",
        "-c",
        "from evaluation.models import Evaluation; from django.core.files.storage import "
        "default_storage, storages; f = Evaluation._meta.get_field('final_pdf'); "
        "print(f.storage is default_storage, type(storages['default']).__name__, "
        "storages['default'].location)",
    )
    flag, backend, location = result.stdout.split()
    assert flag == "True"
    assert backend == "FileSystemStorage"
    assert location == production.env["MEDIA_ROOT"]
