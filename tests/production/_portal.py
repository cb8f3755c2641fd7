"""The portal as README's «Production» section runs it, for the tests in this folder.

``ProductionSite`` does the README's steps in subprocesses with a production environment
(``DEBUG=False``, a random ``SECRET_KEY``, PostgreSQL, SMTP, the manifest static storage): it
creates a PostgreSQL database of its own, runs ``migrate``, ``collectstatic``, ``load_agreement``
and ``load_demo``, and starts gunicorn with 2 workers on free loopback ports. It speaks plain
HTTP on 127.0.0.1 (``HTTPS=False``): there is no TLS proxy in front of it here.

Nothing of this test process's Django settings reaches the portal: the subprocesses get a clean
environment with only what is set here (as in ``tests/test_settings.py``).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pyotp
import pytest
from django.conf import settings

from tests.helpers.smtp import SMTPServer

BASE_DIR = Path(settings.BASE_DIR)
DEMO_PASSWORD = "eksempel-passord-2025"  # noqa: S105 - the demo users' password (README)
DEMO_USERS = [
    "admin",
    "koordinator.troms",
    "koordinator.halogaland",
    "politiker",
    "koordinator.nordtroms",
]


def _names_the_settings_read() -> set[str]:
    source = (BASE_DIR / "tromsvekst" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"env(?:str|bool|int|list|json)\(\s*\"([A-Z0-9_]+)\"", source))


def clean_environment(**env: str) -> dict[str, str]:
    """This process's environment without any variable the settings read (nor pytest's or
    Django's own), plus ``env``."""
    names = _names_the_settings_read()
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in names and not key.startswith(("PYTEST_", "DJANGO_"))
    }
    return clean | {"DJANGO_SETTINGS_MODULE": "tromsvekst.settings"} | env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- PostgreSQL -----------------------------------------------------------------------------------


def postgres_or_skip(why: str) -> dict:
    """The PostgreSQL server of this test run (``DATABASE_URL``), as Django's settings dict.

    On SQLite the test is skipped with the reason, except with ``CI=true``, where it fails.
    """
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        return db
    message = (
        f"{why} Needs PostgreSQL, the database is SQLite: run with "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/tromsvekst."
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true, so this must run: " + message, pytrace=False)
    pytest.skip(message)


def database_url(db: dict, name: str, *, host: str | None = None, port: int | None = None) -> str:
    user = urllib.parse.quote(db.get("USER") or "", safe="")
    password = urllib.parse.quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = host or db.get("HOST") or "127.0.0.1"
    port = port or db.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name}"


def admin_connection(db: dict) -> psycopg.Connection:
    """An autocommit connection to the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        autocommit=True,
    )


def create_database(db: dict) -> str:
    """A new, empty database with a unique name (xdist workers and parallel runs never meet)."""
    name = f"tv_production_{os.getpid()}_{secrets.token_hex(4)}"
    with admin_connection(db) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(db: dict, name: str) -> None:
    with admin_connection(db) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(db: dict, name: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one query in the portal's database (read-only checks of what a page stored)."""
    with psycopg.connect(
        dbname=name,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    ) as conn:
        return conn.execute(sql, params).fetchall()


# --- A TCP proxy in front of PostgreSQL that a test can cut --------------------------------------


class CuttableProxy:
    """Forwards 127.0.0.1:``port`` to PostgreSQL. ``cut()`` is the database going away: the
    listening socket closes (new connections are refused) and every open connection is reset;
    ``restore()`` listens again on the same port."""

    def __init__(self, host: str, port: int):
        self.target = (host, int(port))
        self.port = free_port()
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below (Linux)
            listener.close()
        with self.lock:
            sockets, self.open = self.open, set()
        for sock in sockets:
            # shutdown() ends the connection at once, even while a thread is blocked reading
            # it (close() alone would wait for that read to return).
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return  # cut
            if self.listener is not listener:
                client.close()
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.cut()


# --- HTTP as a browser without JavaScript speaks it -----------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Http:
    """A cookie-keeping HTTP client for one server (``base``). Redirects are followed only when
    asked (``follow=True``), so a test sees each 302 and its ``Location``."""

    def __init__(self, base: str, cookies: http.cookiejar.CookieJar | None = None):
        self.base = base.rstrip("/")
        self.cookies = cookies if cookies is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def on(self, base: str) -> Http:
        """The same person (the same cookies) talking to another server."""
        return Http(base, self.cookies)

    def request(
        self,
        method: str,
        path: str,
        data: dict | None = None,
        headers: dict | None = None,
        follow: bool = False,
    ) -> Response:
        url = path if path.startswith("http") else self.base + path
        for _hop in range(10):
            body = urllib.parse.urlencode(data).encode() if data is not None else None
            request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
                url, data=body, method=method, headers=headers or {}
            )
            try:
                with self.opener.open(request, timeout=120) as answer:
                    response = Response(
                        answer.status,
                        {k.lower(): v for k, v in answer.headers.items()},
                        answer.read(),
                        url,
                    )
            except urllib.error.HTTPError as error:
                response = Response(
                    error.code, {k.lower(): v for k, v in error.headers.items()}, error.read(), url
                )
            if not (follow and response.status in (301, 302, 303) and response.header("location")):
                return response
            url = urllib.parse.urljoin(url, response.header("location"))
            method, data = "GET", None
        raise AssertionError(f"Too many redirects from {path}")

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def csrf_token(self) -> str:
        for cookie in self.cookies:
            if cookie.name == "csrftoken":
                return cookie.value
        self.get("/logg-inn/")
        return self.csrf_token()

    def post(self, path: str, data: dict, **kwargs) -> Response:
        return self.request(
            "POST", path, data={"csrfmiddlewaretoken": self.csrf_token(), **data}, **kwargs
        )

    def login(self, username: str, password: str = DEMO_PASSWORD) -> Response:
        """Log in through the login form; the answer is where the portal lands the person."""
        form = self.get("/logg-inn/")
        assert form.status == 200, form.status
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        landing = self.request(
            "POST",
            "/logg-inn/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            follow=True,
        )
        if "/totrinn/oppsett/" in landing.url:
            # An administrator's first sign-in sets up the second factor (issue #17): the key
            # the page shows as text, and the code an authenticator app would show now.
            secret = re.search(r'class="totp-secret"[^>]*>([A-Z2-7 ]+)<', landing.text).group(1)
            code = pyotp.TOTP(secret.replace(" ", "")).now()
            landing = self.post("/totrinn/oppsett/", {"code": code}, follow=True)
        return landing


# --- The portal -----------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def production_environment(
    *, database_url: str, root: Path, smtp_port: int, site_url: str
) -> dict[str, str]:
    """The variables of README's «Production» step 3, as this run sets them."""
    return {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no TLS proxy in front here, so no HTTPS redirect, no
        # secure-only cookies, no proxy headers. Everything else is as in production.
        "HTTPS": "False",
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(root / "static"),
        "MEDIA_ROOT": str(root / "media"),
        "DEMO": "False",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DEFAULT_FROM_EMAIL": "Tromsvekst-portalen <ikke-svar@test.invalid>",
        "SITE_URL": site_url,
    }


# What a real deployment adds for its TLS proxy (README step 3); step 5 is checked with these.
BEHIND_TLS_PROXY = {
    "HTTPS": "True",
    "BEHIND_PROXY": "True",
    "ALLOWED_HOSTS": "tromsvekst.example.no",
    "CSRF_TRUSTED_ORIGINS": "https://tromsvekst.example.no",
}


@dataclass
class ProductionSite:
    """One PostgreSQL database, the SMTP sink, and the portal's environment; ``start()`` adds a
    gunicorn (2 workers) on a free port, so two can serve the same database."""

    db: dict
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    name: str = ""
    first_port: int = 0
    servers: list[Server] = field(default_factory=list)
    smtp: SMTPServer | None = None

    @classmethod
    def create(
        cls, db: dict, root: Path, *, database_host: str | None = None, port: int | None = None
    ) -> ProductionSite:
        site = cls(db=db, root=root)
        site.name = create_database(db)
        site.smtp = SMTPServer()
        site.first_port = free_port()
        site.env = clean_environment(
            **production_environment(
                database_url=database_url(db, site.name, host=database_host, port=port),
                root=root,
                smtp_port=site.smtp.port,
                site_url=f"http://127.0.0.1:{site.first_port}",
            )
        )
        return site

    def manage(self, *args: str, env: dict | None = None, timeout: int = 180):
        """``manage.py`` with the portal's environment; fails the test with its output."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env | (env or {}),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, (
            f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
        return result

    def install(self, *, demo: bool = True, static: bool = True) -> None:
        """README steps: collectstatic (in parallel), migrate, load_agreement, load_demo."""
        collect = None
        if static:
            collect = subprocess.Popen(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        self.manage("migrate", "--verbosity", "0")
        self.manage("load_agreement")
        if demo:
            # The run's stand-in for real users: the demo app is installed for this one command;
            # the servers run without it, as production does.
            self.manage("load_demo", env={"DEMO": "True"})
        if collect is not None:
            output, _ = collect.communicate(timeout=180)
            assert collect.returncode == 0, f"collectstatic failed:\n{output}"

    def start(self, count: int = 1) -> list[Server]:
        """Start ``count`` gunicorns side by side and wait until each answers."""
        launched = [self._launch() for _ in range(count)]
        for server in launched:
            self._wait(server)
        return launched

    def _launch(self) -> Server:
        port = self.first_port if not self.servers else free_port()
        log = self.root / f"gunicorn-{port}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "tromsvekst.wsgi",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{port}",
                    # A PDF takes seconds; on a loaded CI machine many more.
                    "--timeout",
                    "120",
                    # gunicorn's control socket has one default path per user: two servers (or
                    # two test runs) would fight over it.
                    "--no-control-socket",
                ],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(url=f"http://127.0.0.1:{port}", port=port, process=process, log=log)
        self.servers.append(server)
        return server

    def _wait(self, server: Server) -> None:
        process, log = server.process, server.log
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{log.read_text()}")
            try:
                if Http(server.url).get("/helse/").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within 60 s:\n{log.read_text()}")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        return query(self.db, self.name, sql, params)

    def logs(self) -> str:
        return "\n".join(server.log.read_text() for server in self.servers)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        if self.smtp is not None:
            self.smtp.stop()
        if self.name:
            drop_database(self.db, self.name)
