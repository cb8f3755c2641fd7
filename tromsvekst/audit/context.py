"""Who is acting: the logged-in user of the web request, or the system for management commands.

``AuditMiddleware`` puts the request in a context variable for as long as the view runs; the
user is read from it only when something is recorded, so pages that change nothing pay no query.
Outside a request (management commands, the shell, tests) the actor is the system.
"""

import contextlib
import functools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from tromsvekst.audit.models import ANONYMOUS, SYSTEM


@dataclass
class Actor:
    request: HttpRequest | None = None
    source: str = ""
    # (model, pk) -> agreement pk, so that a cascade of deletes asks for each parent once.
    agreement_memo: dict = field(default_factory=dict)

    def who(self) -> tuple[int | None, str]:
        """The user's pk (None for the system and anonymous visitors) and the name to record."""
        if self.request is None:
            return None, SYSTEM
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return None, ANONYMOUS
        return user.pk, user.get_username()


_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current() -> Actor:
    return _actor.get() or Actor()


@contextlib.contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


# --- Secrets in addresses ------------------------------------------------------------------------
# Some addresses hold a secret (the feedback form's key, the calendar feed's token, an invitation,
# a password link). The one rule: the view declares which of its URL arguments are secret
# (``secret_url_kwargs`` on a function view, the ``secret_url_kwargs`` attribute of a class-based
# one), and every path that is recorded or logged goes through ``redacted_path``. A test walks
# the URL conf and fails on a view with a secret-looking argument that does not declare it
# (tests/security/test_secret_paths.py).

REDACTED = "[skjult]"
DECLARATION_ATTRIBUTE = "secret_url_kwargs"

View = TypeVar("View", bound=Callable[..., Any])


def secret_url_kwargs(*names: str) -> Callable[[View], View]:
    """Declare URL arguments of a function view as secret: never logged, never recorded."""

    def decorate(view: View) -> View:
        setattr(view, DECLARATION_ATTRIBUTE, frozenset(names))
        return view

    return decorate


def declared_secrets(view: Callable[..., Any]) -> frozenset[str]:
    """The URL arguments ``view`` (a resolved view function) declares secret."""
    names: Iterable[str] | None = getattr(view, DECLARATION_ATTRIBUTE, None)
    if names is None:
        names = getattr(getattr(view, "view_class", None), DECLARATION_ATTRIBUTE, ())
    return frozenset(names)


def redacted_path(path: str, path_info: str | None = None) -> str:
    """``path`` with the values of its view's secret URL arguments replaced by ``[skjult]``
    (``path_info``: the part after the script prefix, if the portal is not served at /)."""
    try:
        match = resolve(path if path_info is None else path_info)
    except (Resolver404, ValueError):
        return path
    for name in declared_secrets(match.func):
        value = match.kwargs.get(name)
        if value:
            path = path.replace(str(value), REDACTED)
    return path


_REQUEST_LINE = re.compile(r"^([A-Z]+ )(\S+)( HTTP/\S+)$")


class SecretPathFilter(logging.Filter):
    """Redacts secret URL arguments in what Django logs about requests (``django.request``,
    e.g. "Too Many Requests: /tilbakemelding/…/", and ``django.server``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact(arg) for arg in record.args)
        return True

    @staticmethod
    def _redact(arg: object) -> object:
        if not isinstance(arg, str):
            return arg
        if arg.startswith("/"):
            return redacted_path(arg)
        line = _REQUEST_LINE.match(arg)
        if line:
            return line.group(1) + redacted_path(line.group(2)) + line.group(3)
        return arg


def redact_request_logs() -> None:
    """Put ``SecretPathFilter`` on Django's request loggers (once)."""
    for name in ("django.request", "django.server"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretPathFilter) for f in logger.filters):
            logger.addFilter(SecretPathFilter())


class AuditMiddleware:
    """Records the request (and so its user) as the actor of every change made while it runs.

    Goes after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = f"{request.method} {redacted_path(request.path, request.path_info)}"[:300]
        with acting(Actor(request=request, source=source)):
            return self.get_response(request)


def attribute_management_commands() -> None:
    """Make every management command record its changes as the system, naming the command.

    Wraps ``BaseCommand.execute`` once, so that Django's own commands (loaddata, shell) are
    covered as well as ours. A command called from inside a request or another command keeps
    the actor it was called under.
    """
    from django.core.management.base import BaseCommand

    if getattr(BaseCommand.execute, "_audit_wrapped", False):
        return
    original = BaseCommand.execute

    @functools.wraps(original)
    def execute(self: BaseCommand, *args: Any, **options: Any) -> str | None:
        if _actor.get() is not None:
            return original(self, *args, **options)
        name = type(self).__module__.rsplit(".", 1)[-1]
        with acting(Actor(source=f"manage.py {name}")):
            return original(self, *args, **options)

    execute._audit_wrapped = True  # type: ignore[attr-defined]  # a mark on the wrapper, read back above
    BaseCommand.execute = execute  # type: ignore[method-assign]  # on purpose: every command runs under an actor
