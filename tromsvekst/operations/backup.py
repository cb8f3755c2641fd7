"""Backing up and restoring the portal: the database and the stored files, in one tar archive.

``manage.py backup_portal FILE.tar`` and ``manage.py restore_portal FILE.tar`` (see the README).
The archive holds:

- ``database.dump``: on PostgreSQL, ``pg_dump --format=custom`` of the whole database (one
  consistent snapshot); on SQLite, ``database.sqlite3``, a copy made with SQLite's backup API;
- ``media/…``: every file under ``MEDIA_ROOT`` (e.g. the frozen PDFs of final evaluation reports);
- ``manifest.json``, written last: the database kind, the applied migrations, and the size and
  SHA-256 of every other member.

The database is dumped before the files are copied. Stored files are written before the row
that names them is committed and never change afterwards, so every file the dump refers to is in
the archive (a file finalised in between is an unreferenced extra, which does no harm).

Restoring checks the whole archive against its manifest before it touches anything, refuses a
database that has tables or a ``MEDIA_ROOT`` that has files unless ``force`` is given, restores the
database (PostgreSQL: ``pg_restore --single-transaction``, so all or nothing; with ``force`` also
``--clean``, after dropping the tables the backup does not have), writes the files
and checks each against its SHA-256, and finally checks every stored file a row names against
the SHA-256 in that row (the checks the apps register in ``stored_files``: the final evaluations'
report PDFs).
"""

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TypedDict

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from tromsvekst.operations import stored_files


class _Member(TypedDict):
    """A file of the archive as the manifest lists it."""

    sha256: str
    size: int


FORMAT = "tromsvekst-backup/1"
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024

Write = Callable[[str], None]


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class _HashingReader:
    """Reads a file through, keeping the SHA-256 and size of exactly the bytes read."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def plural(count: int, word: str) -> str:
    """``plural(1, "file")`` is "1 file", ``plural(2, "file")`` "2 files"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _vendor() -> str:
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _pg_env() -> dict[str, str]:
    """libpq's environment for the default database, so no password appears in a command line."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in [
        ("PGDATABASE", "NAME"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
    ]:
        if db.get(key):
            env[variable] = str(db[key])
        else:
            env.pop(variable, None)
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client programs "
            "(apt-get install postgresql-client), the same major version as the server or newer."
        )
    return path


def _run(args: list[str]) -> None:
    result = subprocess.run(  # noqa: S603  (fixed programs, arguments are ours)
        args, env=_pg_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        name = Path(args[0]).name
        raise BackupError(f"{name} failed (exit status {result.returncode}):\n{result.stderr}")


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(name in the archive, path) of every regular file under ``root``, sorted."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield MEDIA_PREFIX + path.relative_to(root).as_posix(), path


def _applied_migrations() -> list[str]:
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def _table_names() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


# --- Backing up ---------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    vendor: str
    database: str
    tables: int
    files: int
    file_bytes: int
    # Stored files that are missing or do not match the SHA-256 in the row that names them.
    file_problems: list[str] = field(default_factory=list)


def _dump_database(vendor: str, target: Path) -> None:
    if vendor == "postgresql":
        _run([_program("pg_dump"), "--format=custom", "--no-password", f"--file={target}"])
    else:
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()


def _check_stored_files(
    media_root: Path, *, stored: dict[str, str] | None = None
) -> tuple[list[tuple[str, int]], list[str]]:
    """Run the registered stored-file checks: ((noun, files checked) per check, problems).

    A problem is a missing file or a wrong SHA-256. ``stored`` maps a file's name under
    MEDIA_ROOT to its SHA-256 when that is already known.
    """
    checked, problems = [], []
    for check in stored_files.registered():
        count = 0
        for file in check.files():
            count += 1
            path = media_root / file.name
            if stored is not None and file.name in stored:
                actual = stored[file.name]
            elif path.is_file():
                actual = _sha256_file(path)
            else:
                problems.append(f"{file.row}: {file.name} is missing from MEDIA_ROOT")
                continue
            if actual != file.sha256:
                problems.append(
                    f"{file.row}: {file.name} has SHA-256 {actual}, the row says {file.sha256}"
                )
        checked.append((check.noun, count))
    return checked, problems


def backup(path: Path) -> BackupResult:
    """Write the database and every file under MEDIA_ROOT to the tar archive ``path``."""
    vendor = _vendor()
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; give a new file name (e.g. with the date).")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    media_root = Path(settings.MEDIA_ROOT)
    partial = path.with_name(path.name + ".partial")
    dump_name = DUMP_NAMES[vendor]
    with tempfile.TemporaryDirectory(prefix="tromsvekst-backup-") as scratch:
        dump = Path(scratch) / dump_name
        tables = _table_names()
        _dump_database(vendor, dump)  # first: every file it refers to is already on disk
        members: dict[str, _Member] = {
            dump_name: {"sha256": _sha256_file(dump), "size": dump.stat().st_size}
        }
        old_umask = os.umask(0o077)  # the archive holds password hashes and sessions
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                archive.add(dump, arcname=dump_name, recursive=False)
                hashes = {}
                for name, file in _media_files(media_root):
                    with file.open("rb") as source:
                        reader = _HashingReader(source)
                        archive.addfile(archive.gettarinfo(fileobj=source, arcname=name), reader)
                    members[name] = {"sha256": reader.hexdigest(), "size": reader.size}
                    hashes[name[len(MEDIA_PREFIX) :]] = reader.hexdigest()
                manifest = {
                    "format": FORMAT,
                    "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    "database": {"vendor": vendor, "file": dump_name, "tables": tables},
                    "migrations": _applied_migrations(),
                    "members": members,
                }
                body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(body)
                info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
                info.mode = 0o600
                with tempfile.SpooledTemporaryFile() as buffer:
                    buffer.write(body)
                    buffer.seek(0)
                    archive.addfile(info, buffer)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            os.umask(old_umask)
    media = {name: m for name, m in members.items() if name.startswith(MEDIA_PREFIX)}
    return BackupResult(
        path=path,
        vendor=vendor,
        database=str(connection.settings_dict["NAME"]),
        tables=len(tables),
        files=len(media),
        file_bytes=sum(m["size"] for m in media.values()),
        file_problems=_check_stored_files(media_root, stored=hashes)[1],
    )


# --- Checking an archive ------------------------------------------------------------------------


@dataclass
class Archive:
    path: Path
    manifest: dict

    @property
    def vendor(self) -> str:
        return str(self.manifest["database"]["vendor"])

    @property
    def dump_name(self) -> str:
        return str(self.manifest["database"]["file"])

    @property
    def media(self) -> dict[str, dict]:
        return {
            name[len(MEDIA_PREFIX) :]: member
            for name, member in self.manifest["members"].items()
            if name.startswith(MEDIA_PREFIX)
        }


def _safe_media_name(name: str) -> bool:
    relative = PurePosixPath(name[len(MEDIA_PREFIX) :])
    return (
        name.startswith(MEDIA_PREFIX)
        and not relative.is_absolute()
        and ".." not in relative.parts
        and "\\" not in name
        and relative.parts != ()
    )


def check_archive(path: Path) -> Archive:
    """Read the archive and check every member against the manifest; BackupError if not intact."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist.")
    try:
        with tarfile.open(path, "r:") as archive:
            try:
                raw = archive.extractfile(MANIFEST)
            except KeyError:
                raise BackupError(f"{path} has no {MANIFEST}: it is not a portal backup.") from None
            if raw is None:  # a manifest that is not a regular file
                raise BackupError(f"{path} has no {MANIFEST}: it is not a portal backup.")
            manifest = json.loads(raw.read())
            if manifest.get("format") != FORMAT:
                raise BackupError(
                    f"{path} is of format {manifest.get('format')!r}; this portal reads {FORMAT}."
                )
            expected = dict(manifest["members"])
            database = manifest["database"]
            if (
                database.get("vendor") not in DUMP_NAMES
                or database.get("file") not in expected
                or not isinstance(database.get("tables"), list)
            ):
                raise BackupError(f"{path}: the manifest names no database dump.")
            seen = set()
            for member in archive:
                if member.name == MANIFEST:
                    continue
                if member.name in seen:
                    raise BackupError(f"{path} is damaged: {member.name} appears twice.")
                seen.add(member.name)
                if member.name not in expected:
                    raise BackupError(f"{path} is damaged: {member.name} is not in the manifest.")
                if not member.isreg():
                    raise BackupError(f"{path} is damaged: {member.name} is not a regular file.")
                if member.name != database["file"] and not _safe_media_name(member.name):
                    raise BackupError(f"{path} is damaged: unsafe file name {member.name!r}.")
                reader = _HashingReader(_member_file(archive, member))
                while reader.read(CHUNK):
                    pass
                want = expected[member.name]
                if reader.size != want["size"] or reader.hexdigest() != want["sha256"]:
                    raise BackupError(
                        f"{path} is damaged: {member.name} does not match its SHA-256 in the "
                        "manifest. Nothing was restored."
                    )
            missing = sorted(set(expected) - seen)
            if missing:
                raise BackupError(f"{path} is incomplete: {', '.join(missing)} missing.")
    except (tarfile.TarError, ValueError, KeyError, TypeError, AttributeError, EOFError) as exc:
        raise BackupError(f"{path} is not a readable portal backup: {exc}") from exc
    return Archive(path=path, manifest=manifest)


# --- Restoring ----------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    vendor: str
    database: str
    tables: int
    files: int
    files_checked: list[tuple[str, int]]  # (noun, count) for each registered stored-file check
    pending_migrations: list[str]
    replaced: bool


def _existing_media(root: Path) -> list[Path]:
    return [path for _name, path in _media_files(root)]


def _drop_tables_not_in(archive: Archive) -> None:
    """Drop the tables the backup does not have, so that none is left over after --force."""
    keep = set(archive.manifest["database"]["tables"])
    extra = [table for table in _table_names() if table not in keep]
    if extra:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TABLE IF EXISTS " + ", ".join(quote(table) for table in extra) + " CASCADE"
            )


def _member_file(tar: tarfile.TarFile, member: str | tarfile.TarInfo) -> IO[bytes]:
    """The contents of the archive's ``member`` (a name or its TarInfo), a regular file."""
    source = tar.extractfile(member)
    if source is None:
        name = member if isinstance(member, str) else member.name
        raise BackupError(f"The backup's {name} is not a regular file.")
    return source


def _restore_database(archive: Archive, scratch: Path, *, replace: bool) -> None:
    dump = scratch / archive.dump_name
    with tarfile.open(archive.path, "r:") as tar, dump.open("wb") as out:
        shutil.copyfileobj(_member_file(tar, archive.dump_name), out, CHUNK)
    if _sha256_file(dump) != archive.manifest["members"][archive.dump_name]["sha256"]:
        raise BackupError(f"{archive.path}: the database dump changed while it was read.")
    if archive.vendor == "postgresql":
        connection.close()
        # One transaction: if anything fails, the database is as it was before.
        options = ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges"]
        if replace:  # drop and recreate what the backup has, in the same transaction
            options += ["--clean", "--if-exists"]
        database = f"--dbname={_pg_env()['PGDATABASE']}"
        _run([_program("pg_restore"), *options, "--no-password", database, str(dump)])
    else:
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()


def _restore_media(archive: Archive, media_root: Path) -> int:
    root = media_root.resolve()
    count = 0
    with tarfile.open(archive.path, "r:") as tar:
        for relative, member in archive.media.items():
            target = (root / relative).resolve()
            if root not in target.parents:
                raise BackupError(f"Refusing to write {relative!r} outside MEDIA_ROOT.")
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".restoring")
            with partial.open("wb") as out:
                shutil.copyfileobj(_member_file(tar, MEDIA_PREFIX + relative), out, CHUNK)
            if _sha256_file(partial) != member["sha256"]:
                partial.unlink()
                raise BackupError(f"{relative}: the restored file does not match its SHA-256.")
            os.replace(partial, target)
            count += 1
    return count


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def restore(path: Path, *, force: bool = False, info: Write = lambda line: None) -> RestoreResult:
    """Restore the archive ``path`` into the default database and MEDIA_ROOT."""
    vendor = _vendor()
    archive = check_archive(path)
    info(
        f"{archive.path}: intact, {plural(len(archive.manifest['members']), 'file')} match the manifest."
    )
    if archive.vendor != vendor:
        raise BackupError(
            f"{archive.path} holds a {archive.vendor} database; this portal uses {vendor}. "
            "Restore it into a database of the same kind."
        )
    database = str(connection.settings_dict["NAME"])
    media_root = Path(settings.MEDIA_ROOT)
    tables = _table_names()
    files = _existing_media(media_root)
    if (tables or files) and not force:
        found = []
        if tables:
            found.append(f"the database {database} has {plural(len(tables), 'table')}")
        if files:
            found.append(f"MEDIA_ROOT ({media_root}) has {plural(len(files), 'file')}")
        raise BackupError(
            "Refusing to restore: "
            + " and ".join(found)
            + ". Restore into an empty database (createdb) and an empty MEDIA_ROOT, or add "
            "--force to replace what is there."
        )
    if tables and vendor == "postgresql":
        info(f"--force: replacing the {plural(len(tables), 'table')} of {database}.")
        _drop_tables_not_in(archive)
    with tempfile.TemporaryDirectory(prefix="tromsvekst-restore-") as scratch:
        _restore_database(archive, Path(scratch), replace=bool(tables))
    info(f"Database {database} restored.")
    media_root.mkdir(parents=True, exist_ok=True)
    restored_files = _restore_media(archive, media_root)
    info(f"{plural(restored_files, 'file')} restored to {media_root}, each matches its SHA-256.")
    files_checked, problems = _check_stored_files(media_root)
    if problems:
        raise BackupError(
            "Restored, but stored files do not match the rows that name them:\n  "
            + "\n  ".join(problems)
        )
    return RestoreResult(
        vendor=vendor,
        database=database,
        tables=len(_table_names()),
        files=restored_files,
        files_checked=files_checked,
        pending_migrations=pending_migrations(),
        replaced=bool(tables or files),
    )
