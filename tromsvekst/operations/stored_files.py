"""Stored files that database rows name with their SHA-256, checked after a backup and a restore.

The operations app knows no domain app. An app whose rows name files under ``MEDIA_ROOT``
together with the SHA-256 of their bytes registers a check from its ``AppConfig.ready()``::

    stored_files.register(StoredFileCheck(noun="final evaluation report", files=final_reports))

``files`` returns one ``StoredFile`` for each such row; ``backup`` and ``restore`` (``backup.py``)
compare each with the bytes under ``MEDIA_ROOT``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class StoredFile:
    row: str  # names the row in messages, e.g. "evaluation 3"
    name: str  # the file's name under MEDIA_ROOT
    sha256: str  # the SHA-256 the row holds


@dataclass(frozen=True)
class StoredFileCheck:
    noun: str  # one file, for "2 final evaluation reports checked"
    files: Callable[[], Iterable[StoredFile]]


_checks: dict[str, StoredFileCheck] = {}


def register(check: StoredFileCheck) -> None:
    """Add ``check`` (again: replace the one of the same noun, so ``ready()`` may run twice)."""
    _checks[check.noun] = check


def registered() -> list[StoredFileCheck]:
    return list(_checks.values())
