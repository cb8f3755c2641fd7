"""What the audit log records, as the domain apps tell it: the audit app names no other app.

Each domain app calls ``register_app`` from its own ``AppConfig.ready()``; every model of that
app is then audited (signals connected there and then), except those it excludes. Per model it
names the fields the log leaves out (counters that change with every save) and the secret fields
(the log says that they changed, never what they are)::

    registry.register_app(
        self,
        exclude={"sentreminder"},
        skipped={"milestone": {"version"}},
        secret={"calendarfeed": {"token"}},
    )

One app also registers the model whose pk ``AuditEntry.agreement_pk`` holds (``register_root``):
every audited record is traced to it, and the log page filters by it and names it.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class Root:
    model: type[models.Model]
    # (pk, name) of every root object, in the order the log page lists them (one query).
    choices: Callable[[], list[tuple[int, str]]]
    # Whether a user may read the log page.
    may_read_log: Callable[["User | AnonymousUser"], bool]


_apps: dict[str, frozenset[str]] = {}  # app label -> excluded model names
_skipped: dict[str, frozenset[str]] = {}  # model label (lower case) -> field names
_secret: dict[str, frozenset[str]] = {}
_root: list[Root] = []


def _labels(app_label: str, per_model: Mapping[str, Iterable[str]] | None) -> dict:
    return {
        f"{app_label}.{name.lower()}": frozenset(fields)
        for name, fields in (per_model or {}).items()
    }


def register_app(
    app_config: AppConfig,
    *,
    exclude: Iterable[str] = (),
    skipped: Mapping[str, Iterable[str]] | None = None,
    secret: Mapping[str, Iterable[str]] | None = None,
) -> None:
    """Audit every model of ``app_config`` but those named in ``exclude`` (model names, lower
    case). ``skipped`` and ``secret`` map a model name to field names."""
    from tromsvekst.audit import capture

    label = app_config.label
    _apps[label] = frozenset(name.lower() for name in exclude)
    _skipped.update(_labels(label, skipped))
    _secret.update(_labels(label, secret))
    capture.connect(app_config.get_models())


def register_root(
    model: type[models.Model],
    *,
    choices: Callable[[], list[tuple[int, str]]],
    may_read_log: Callable[["User | AnonymousUser"], bool],
) -> None:
    """``model`` is what ``AuditEntry.agreement_pk`` points at (see ``Root``)."""
    _root[:] = [Root(model, choices, may_read_log)]


def root() -> Root:
    if not _root:
        raise LookupError("No app has registered the audit log's root model (register_root).")
    return _root[0]


def is_audited_app(app_label: str) -> bool:
    return app_label in _apps


def is_audited(model: type[models.Model]) -> bool:
    meta = model._meta
    return meta.app_label in _apps and meta.model_name not in _apps[meta.app_label]


def skipped_fields(model: type[models.Model]) -> frozenset[str]:
    return _skipped.get(model._meta.label_lower, frozenset())


def secret_fields(model: type[models.Model]) -> frozenset[str]:
    return _secret.get(model._meta.label_lower, frozenset())
