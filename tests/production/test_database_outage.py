"""PostgreSQL goes away under gunicorn: every request answers 503 in Norwegian with
``Retry-After`` (never 500), ``/helse/`` stays alive, ``/helse/klar/`` says «not ready», and when
the database is back the portal is at once, with the same sessions.

The portal reaches PostgreSQL through a TCP proxy in this process (``CuttableProxy``); cutting it
refuses new connections and resets the open ones, as a stopped or crashed database server does.
"""

import re

import pytest

from tests.production._portal import CuttableProxy, Http, ProductionSite, postgres_or_skip

pytestmark = pytest.mark.xdist_group("production-outage")

REQUESTS_DURING_OUTAGE = 40


@pytest.fixture(scope="module")
def outage_site(tmp_path_factory):
    db = postgres_or_skip("The outage is a PostgreSQL server going away under gunicorn.")
    proxy = CuttableProxy(db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432)
    site = ProductionSite.create(
        db, tmp_path_factory.mktemp("outage"), database_host="127.0.0.1", port=proxy.port
    )
    try:
        site.install()
        site.start()
        yield site, proxy
    finally:
        site.close()
        proxy.close()


def _slug(site) -> str:
    return site.query("SELECT slug FROM agreements_agreement WHERE NOT is_example LIMIT 1")[0][0]


def test_an_outage_answers_503_and_the_portal_recovers(outage_site):
    site, proxy = outage_site
    server = site.servers[0]
    politician = Http(server.url)
    assert politician.login("politiker").status == 200
    coordinator = Http(server.url)
    assert coordinator.login("koordinator.troms").status == 200
    slug = _slug(site)
    milestone, version = site.query(
        "SELECT m.id, m.version FROM actionplans_milestone m JOIN actionplans_action a"
        " ON a.id = m.action_id JOIN actionplans_actionplan p ON p.id = a.plan_id"
        " JOIN agreements_agreement g ON g.id = p.agreement_id WHERE NOT g.is_example"
        " ORDER BY m.id LIMIT 1"
    )[0]
    csrf = coordinator.csrf_token()
    dashboard = f"/avtaler/{slug}/oversikt/"
    pages = [
        (politician, "GET", dashboard),
        (politician, "GET", "/avtaler/"),
        (politician, "GET", f"/avtaler/{slug}/handlingsplaner/"),
        (Http(server.url), "GET", "/logg-inn/"),
        (Http(server.url), "GET", f"/avtaler/{slug}/"),
        (coordinator, "GET", f"/milepaeler/{milestone}/status/"),
        (coordinator, "POST", f"/milepaeler/{milestone}/status/"),
    ]
    for http, method, path in pages:
        if method == "GET":
            assert http.get(path).status == 200, path

    proxy.cut()
    answers = []
    for number in range(REQUESTS_DURING_OUTAGE):
        http, method, path = pages[number % len(pages)]
        if method == "POST":
            data = {
                "csrfmiddlewaretoken": csrf,
                "status": "on_track",
                "percent": "50",
                "comment": "Lagret under et brudd.",
                "evidence_url": "",
                "version": str(version),
            }
            answer = http.request("POST", path, data=data)
        else:
            answer = http.get(path)
        answers.append((method, path, answer))
    ready = Http(server.url).get("/helse/klar/")
    alive = Http(server.url).get("/helse/")
    proxy.restore()

    statuses = [answer.status for _method, _path, answer in answers]
    assert 500 not in statuses, [(m, p, a.status) for m, p, a in answers]
    assert set(statuses) == {503}, [(m, p, a.status) for m, p, a in answers]
    for _method, path, answer in answers:
        assert answer.header("retry-after") == "30", path
        assert "no-store" in answer.header("cache-control"), path
        assert 'lang="nb"' in answer.text and "midlertidig utilgjengelig" in answer.text, path
        # The page's stylesheets are static files with hashed names: no database needed.
        assert re.search(r'href="/static/css/portal\.[0-9a-f]{12}\.css"', answer.text), path
    assert (ready.status, ready.header("retry-after")) == (503, "30")
    assert ready.text == "Databasen svarer ikke."
    assert (alive.status, alive.body) == (200, b"ok")

    # Back at once, and nobody was logged out by the outage.
    assert Http(server.url).get("/helse/klar/").body == b"ok"
    again = politician.get(dashboard)
    assert again.status == 200, again.status
    assert "Logg ut" in again.text
    assert coordinator.get(f"/milepaeler/{milestone}/status/").status == 200
    # The save that was answered 503 was not stored.
    assert not site.query(
        "SELECT 1 FROM actionplans_progressupdate WHERE comment = 'Lagret under et brudd.'"
    )
    assert "Internal Server Error" not in site.logs()
