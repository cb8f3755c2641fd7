"""Who is acting: the logged-in user of the web request, or the system for management commands.

``AuditMiddleware`` puts the request in a context variable for as long as the view runs; the
user is read from it only when something is recorded, so pages that change nothing pay no query.
Outside a request (management commands, the shell, tests) the actor is the system.
"""

import contextlib
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse

from audit.models import ANONYMOUS, SYSTEM


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


class AuditMiddleware:
    """Records the request (and so its user) as the actor of every change made while it runs.

    Goes after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting(Actor(request=request, source=f"{request.method} {request.path}"[:300])):
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
    def execute(self, *args, **options):
        if _actor.get() is not None:
            return original(self, *args, **options)
        name = type(self).__module__.rsplit(".", 1)[-1]
        with acting(Actor(source=f"manage.py {name}")):
            return original(self, *args, **options)

    execute._audit_wrapped = True
    BaseCommand.execute = execute
