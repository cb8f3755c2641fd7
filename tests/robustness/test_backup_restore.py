"""Backup and restore (``manage.py backup_portal`` / ``restore_portal``, see the README).

A portal with the agreement, the demo data (users, the plan with its progress history, meetings,
the evaluation and its indicators) and the evaluation finalised, so its PDF is stored under
MEDIA_ROOT, is backed up; the archive is restored by ``manage.py restore_portal`` in a process of
its own into a new, empty database and an empty MEDIA_ROOT, as an operator would. Then every
table must hold the same rows, and each stored PDF the same bytes, matching the SHA-256 in its
evaluation's row.

On PostgreSQL (as in CI) the target is a scratch database made for the test and dropped after;
on SQLite a new database file. The tests are transactional, so that ``pg_dump`` (another
connection) sees the data.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from actionplans.attachments import attachment_add
from actionplans.models import ActionPlan, Attachment, Milestone, ProgressUpdate
from agreements.models import Agreement, Coordinator, Meeting, Strategy
from evaluation.models import Evaluation, IndicatorValue, SubGoalAssessment
from evaluation.services import evaluation_finalise

pytestmark = pytest.mark.django_db(transaction=True)


# --- The two databases --------------------------------------------------------------------------


def _pg_params(name: str) -> dict:
    db = connection.settings_dict
    params = {"dbname": name, "user": db["USER"], "host": db["HOST"], "port": db["PORT"]}
    if db["PASSWORD"]:
        params["password"] = db["PASSWORD"]
    return {key: value for key, value in params.items() if value}


# The minutes of the agreement's first meeting, attached as a document (kept in backups too).
MINUTES = "Referat fra møtet: vedtatt å gå videre med tiltak 1.1.\n".encode()


class Target:
    """The empty database and MEDIA_ROOT a backup is restored into, through ``manage.py``."""

    def __init__(self, url: str, media: Path, open_db):
        self.url = url
        self.media = media
        self.open_db = open_db

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        env = os.environ | {"DATABASE_URL": self.url, "MEDIA_ROOT": str(self.media)}
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )


@pytest.fixture
def target(tmp_path):
    media = tmp_path / "restored-media"
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        url = f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
        yield Target(url, media, lambda: closing(psycopg.connect(**_pg_params(name))))
        with psycopg.connect(**_pg_params("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "restored.sqlite3"
        yield Target(f"sqlite:///{path}", media, lambda: closing(sqlite3.connect(path)))


def _open_source():
    """A plain connection of the driver's own to the test database (not Django's)."""
    if connection.vendor == "postgresql":
        return closing(psycopg.connect(**_pg_params(connection.settings_dict["NAME"])))
    return closing(sqlite3.connect(connection.settings_dict["NAME"], uri=True))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(db) -> list[str]:
    if isinstance(db, sqlite3.Connection):
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    return sorted(row[0] for row in db.execute(sql).fetchall())


def _rows(db, table: str, order_by: str) -> tuple[list[str], list[tuple]]:
    cursor = db.execute(f"SELECT * FROM {_quote(table)} ORDER BY {_quote(order_by)}")  # noqa: S608
    return [column[0] for column in cursor.description], cursor.fetchall()


def _sequences(db) -> list[tuple]:
    if isinstance(db, sqlite3.Connection):
        return sorted(db.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    return db.execute(
        "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    ).fetchall()


def assert_same_database(target: Target) -> dict[str, int]:
    """Every table row for row, and the id counters; returns the row count of each table."""
    with connection.cursor() as cursor:
        primary_keys = {
            table: connection.introspection.get_primary_key_column(cursor, table)
            for table in connection.introspection.table_names(cursor)
        }
    counts = {}
    with _open_source() as source, target.open_db() as restored:
        assert _tables(restored) == _tables(source) == sorted(primary_keys)
        for table, pk in primary_keys.items():
            assert pk, f"{table} has no primary key to order by"
            columns, rows = _rows(source, table, pk)
            assert _rows(restored, table, pk) == (columns, rows), f"{table} differs"
            counts[table] = len(rows)
        # New rows after a restore must not collide with restored ones.
        assert _sequences(restored) == _sequences(source)
    return counts


# --- The portal that is backed up ---------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def portal(media, settings) -> Evaluation:
    """The agreement and the demo data as ``make run`` loads them, and the demo evaluation
    finalised by the demo administrator: its report PDF is stored under MEDIA_ROOT."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_agreement", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())
    evaluation = Evaluation.objects.get(is_example=True)
    admin = User.objects.get(username="admin")
    meeting = Meeting.objects.filter(agreement=evaluation.agreement).order_by("start").first()
    attachment_add(user=admin, data=MINUTES, name="referat.txt", meeting=meeting)
    return evaluation_finalise(evaluation=evaluation, user=admin)


def _backup(tmp_path: Path) -> Path:
    archive = tmp_path / "tromsvekst-backup.tar"
    out = io.StringIO()
    call_command("backup_portal", str(archive), stdout=out, stderr=io.StringIO())
    assert "Backed up the" in out.getvalue()
    return archive


def test_a_restore_into_an_empty_database_gives_back_the_same_portal(
    portal, media, tmp_path, target
):
    stored = media / portal.final_pdf.name
    original_pdf = stored.read_bytes()
    assert original_pdf.startswith(b"%PDF") and sha256(original_pdf) == portal.final_pdf_sha256

    archive = _backup(tmp_path)
    assert archive.stat().st_mode & 0o077 == 0, "the archive holds password hashes: owner only"
    result = target.manage("restore_portal", str(archive))

    assert result.returncode == 0, result.stderr
    assert (
        "1 final evaluation report, 1 attached document checked against the SHA-256 in its row."
        in result.stdout
    )
    minutes = Attachment.objects.get()
    assert (target.media / minutes.file.name).read_bytes() == MINUTES
    counts = assert_same_database(target)
    # The comparison covered what the portal is for, not just empty tables.
    for model in [
        Agreement,
        Strategy,
        Coordinator,
        User,
        ActionPlan,
        Milestone,
        ProgressUpdate,
        Meeting,
        Evaluation,
        SubGoalAssessment,
        IndicatorValue,
    ]:
        assert counts[model._meta.db_table] > 0, model.__name__
    assert counts[ProgressUpdate._meta.db_table] == ProgressUpdate.objects.count() >= 10

    # The stored PDF: the same bytes, under the name and with the SHA-256 of the restored row.
    with target.open_db() as restored:
        rows = restored.execute(
            "SELECT final_pdf, final_pdf_sha256 FROM evaluation_evaluation WHERE final_pdf <> ''"
        ).fetchall()
    assert rows == [(portal.final_pdf.name, portal.final_pdf_sha256)]
    restored_pdf = (target.media / portal.final_pdf.name).read_bytes()
    assert restored_pdf == original_pdf
    assert sha256(restored_pdf) == rows[0][1]
    assert sorted(p.relative_to(target.media) for p in target.media.rglob("*") if p.is_file()) == [
        Path(portal.final_pdf.name),
        Path(minutes.file.name),
    ]

    # The restored portal is complete: no migration is missing.
    check = target.manage("migrate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr

    # A second restore over it is refused, and changes nothing ...
    with target.open_db() as restored:
        restored.execute("UPDATE agreements_agreement SET title = 'Endret etter gjenoppretting'")
        restored.execute("CREATE TABLE left_over (id integer PRIMARY KEY)")
        restored.commit()
    again = target.manage("restore_portal", str(archive))
    assert again.returncode != 0
    assert "Refusing to restore: the database" in again.stderr
    assert "has 2 files" in again.stderr and "--force" in again.stderr
    with target.open_db() as restored:
        titles = restored.execute("SELECT DISTINCT title FROM agreements_agreement").fetchall()
    assert titles == [("Endret etter gjenoppretting",)]

    # ... unless forced: then it is the backed-up portal again, with nothing left over.
    forced = target.manage("restore_portal", "--force", str(archive))
    assert forced.returncode == 0, forced.stderr
    assert assert_same_database(target) == counts
    assert (target.media / portal.final_pdf.name).read_bytes() == original_pdf


def _rewrite(archive: Path, damaged: Path, change) -> None:
    """Copy the tar ``archive`` to ``damaged``, passing each member's bytes through ``change``."""
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as out:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_a_damaged_backup_is_refused_before_anything_is_restored(
    agreement, media, tmp_path, target
):
    report = media / "evaluations" / "rapport.pdf"
    report.parent.mkdir(parents=True)
    report.write_bytes(b"%PDF-1.7\n% a stored report\n%%EOF\n")
    archive = _backup(tmp_path)
    assert target.manage("restore_portal", "--check", str(archive)).returncode == 0

    damaged = tmp_path / "damaged.tar"

    def flip_one_byte(name: str, data: bytes) -> bytes:
        if name == "media/evaluations/rapport.pdf":
            return data[:10] + bytes([data[10] ^ 1]) + data[11:]
        return data

    _rewrite(archive, damaged, flip_one_byte)

    checked = target.manage("restore_portal", "--check", str(damaged))
    result = target.manage("restore_portal", str(damaged))

    for run in (checked, result):
        assert run.returncode != 0
        assert "is damaged: media/evaluations/rapport.pdf does not match its SHA-256" in run.stderr
    with target.open_db() as restored:
        assert _tables(restored) == []
    assert not target.media.exists() or not any(target.media.iterdir())


def test_a_member_outside_media_root_is_refused(agreement, media, tmp_path, target):
    archive = _backup(tmp_path)
    sneaky = tmp_path / "sneaky.tar"
    with tarfile.open(archive) as source, tarfile.open(sneaky, "w") as out:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                manifest["members"]["media/../../escaped.txt"] = {
                    "sha256": sha256(b"x"),
                    "size": 1,
                }
                data = json.dumps(manifest).encode()
                extra = tarfile.TarInfo("media/../../escaped.txt")
                extra.size = 1
                out.addfile(extra, io.BytesIO(b"x"))
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))

    result = target.manage("restore_portal", str(sneaky))

    assert result.returncode != 0
    assert "unsafe file name 'media/../../escaped.txt'" in result.stderr
    assert not (tmp_path / "escaped.txt").exists()
    with target.open_db() as restored:
        assert _tables(restored) == []
