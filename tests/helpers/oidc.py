"""A real OpenID Connect provider for the single sign-on tests: panva's certified
``oidc-provider`` under node (tests/tools/oidc_provider.mjs), on a free loopback port, and a
client that walks its login page as a browser would, without one.

Without node or the npm package the tests are skipped with the reason, except with ``CI=true``:
there they fail (``make test`` runs ``npm ci --prefix tests/tools``).

``TamperingProxy`` stands between the portal and a provider (the provider's issuer is the proxy's
address, so discovery, keys and tokens all pass through it) and can spoil the token response:
a signature from another provider's key, or a delay that lets the ID token expire on the way.
The provider itself stays real.
"""

import base64
import http.client
import json
import os
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tromsvekst.accounts.providers import OIDCProvider

TOOLS = Path(__file__).resolve().parent.parent / "tools"
SCRIPT = TOOLS / "oidc_provider.mjs"
PACKAGE = TOOLS / "node_modules" / "oidc-provider"
CLIENT_SECRET = "a-client-secret-for-the-loopback-provider-only"
# The portal's address in the tests' settings (SITE_URL); redirect URIs are built from it.
SITE = "http://testserver"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Account:
    """A person at the provider; ``sub`` is also the login name typed on its login page."""

    sub: str
    email: str | None
    email_verified: bool | None = True
    extra: dict = field(default_factory=dict)

    def claims(self) -> dict:
        claims: dict = {"name": self.sub, "preferred_username": self.sub} | self.extra
        if self.email is not None:
            claims["email"] = self.email
        if self.email_verified is not None:
            claims["email_verified"] = self.email_verified
        return claims


@dataclass
class TestProvider:
    name: str
    label: str
    issuer: str
    port: int
    client_id: str
    process: subprocess.Popen
    accounts: dict[str, Account] = field(default_factory=dict)
    log: IO[str] | None = None

    def config(self, **changes) -> OIDCProvider:
        """The portal's settings for this provider (``settings.OIDC_PROVIDERS[name]``)."""
        values = {
            "name": self.name,
            "label": self.label,
            "issuer": self.issuer,
            "client_id": self.client_id,
            "client_secret": CLIENT_SECRET,
        } | changes
        return OIDCProvider(**values)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        if self.log is not None:
            self.log.close()


def start_provider(
    name: str,
    label: str,
    accounts: list[Account],
    *,
    site: str = SITE,
    id_token_ttl: int = 600,
    issuer: str | None = None,
    port: int | None = None,
) -> TestProvider:
    """Start a provider with one client, the portal at ``site``; waits until it listens."""
    node = shutil.which("node")
    if node is None or not PACKAGE.exists():
        _unavailable(
            "The OpenID Connect test provider needs node and `npm ci --prefix tests/tools`."
        )
    port = port or free_port()
    issuer = issuer or f"http://127.0.0.1:{port}"
    client_id = f"tromsvekst-{name}"
    config = {
        "issuer": issuer,
        "port": port,
        "id_token_ttl": id_token_ttl,
        "clients": [
            {
                "client_id": client_id,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{site}/oidc/{name}/callback/"],
                "post_logout_redirect_uris": [f"{site}/logg-inn/"],
            }
        ],
        "accounts": {account.sub: account.claims() for account in accounts},
    }
    # Its warnings and errors, for a failing test to be looked into.
    log = (Path(tempfile.gettempdir()) / f"oidc-provider-{port}.log").open("w")  # noqa: SIM115
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert process.stdout is not None
    # "ready …" once it listens; a provider that says nothing for 90 seconds is given up on
    # (Node.js starting it with a new RSA key has once taken more than 30, while the other test
    # worker drove a browser and two app servers).
    ready, _, _ = select.select([process.stdout], [], [], 90)
    line = process.stdout.readline() if ready else ""
    if not line.startswith("ready"):
        try:  # at the end of its output: has it ended, and how?
            ended = process.wait(timeout=5) if ready else None
        except subprocess.TimeoutExpired:
            ended = None
        process.kill()
        log.close()
        why = (
            f"it ended with exit code {ended}"
            if ended is not None
            else ("it printed something else" if ready else "no answer in 90 s")
        )
        raise RuntimeError(f"The test provider did not start ({why}): {line!r} (see {log.name})")
    return TestProvider(
        name=name,
        label=label,
        issuer=issuer,
        port=port,
        client_id=client_id,
        process=process,
        accounts={account.sub: account for account in accounts},
        log=log,
    )


class ProviderBrowser:
    """Walks the provider's pages with ``requests`` as a person's browser would: the login form
    (any password), until the provider sends the person back to the portal."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def follow_to_portal(self, url: str, login: str | None, site: str = SITE) -> str:
        """Open ``url`` at the provider, log in as ``login`` when asked, and return the address
        the provider finally redirects to on the portal (``site``)."""
        for _ in range(20):
            if url.startswith(site):
                return url
            response = self.session.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            form = re.search(r'<form[^>]*action="([^"]+)"[^>]*method="post"', response.text)
            if form is None or login is None:
                raise AssertionError(f"No way on at {url}: {response.status_code}")
            response = self.session.post(
                urljoin(url, form.group(1)),
                data={"prompt": "login", "login": login, "password": "any"},
                allow_redirects=False,
                timeout=10,
            )
            assert response.is_redirect, response.text[:500]
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("The provider redirected too often")

    def end_session(self, url: str, site: str = SITE) -> str:
        """Confirm the provider's logout page («Yes, sign me out») and return where it sends
        the person on the portal."""
        response = self.session.get(url, allow_redirects=False, timeout=10)
        action = re.search(
            r'<form id="op.logoutForm" method="post" action="([^"]+)"', response.text
        )
        xsrf = re.search(r'name="xsrf" value="([^"]+)"', response.text)
        assert action and xsrf, response.text[:500]
        response = self.session.post(
            urljoin(url, action.group(1)),
            data={"xsrf": xsrf.group(1), "logout": "yes"},
            allow_redirects=False,
            timeout=10,
        )
        location = urljoin(url, response.headers["Location"])
        for _ in range(5):
            if location.startswith(site):
                return location
            response = self.session.get(location, allow_redirects=False, timeout=10)
            location = urljoin(location, response.headers["Location"])
        raise AssertionError("The provider's logout did not send the person back")


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Headers the proxy sets itself (it answers HTTP/1.0 and closes each connection).
HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TamperingProxy:
    """A loopback reverse proxy in front of a provider. ``mode``: "" passes everything;
    "foreign-signature" puts another provider's signature (``foreign_token``'s) on the ID token
    of the token response; "delay" holds the token response ``delay`` seconds."""

    def __init__(self) -> None:
        self.port = free_port()
        self.upstream_port = 0
        self.mode = ""
        self.delay = 0.0
        self.foreign_token = ""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                connection = http.client.HTTPConnection(
                    "127.0.0.1", proxy.upstream_port, timeout=10
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                connection.request(self.command, self.path, body=body, headers=headers)
                upstream = connection.getresponse()
                data = upstream.read()
                if self.path.startswith("/token") and upstream.status == 200:
                    data = proxy.spoil(data)
                self.send_response(upstream.status)
                for key, value in upstream.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                connection.close()

            do_GET = _forward
            do_POST = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spoil(self, data: bytes) -> bytes:
        if self.mode == "delay":
            time.sleep(self.delay)
            return data
        if self.mode == "foreign-signature":
            answer = json.loads(data)
            header, payload, _signature = answer["id_token"].split(".")
            foreign_signature = self.foreign_token.split(".")[2]
            answer["id_token"] = f"{header}.{payload}.{foreign_signature}"
            return json.dumps(answer).encode()
        if self.mode == "foreign-key":
            # The other provider's header (its key id) and signature on this token's claims.
            answer = json.loads(data)
            _header, payload, _signature = answer["id_token"].split(".")
            foreign_header, _p, foreign_signature = self.foreign_token.split(".")
            answer["id_token"] = f"{foreign_header}.{payload}.{foreign_signature}"
            return json.dumps(answer).encode()
        return data

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def id_token_claims(token: str) -> dict:
    """The claims of a JWT, unverified (for assertions only)."""
    return json.loads(_unb64(token.split(".")[1]))
