"""``manage.py backup_portal FILE.tar``: the database and the stored files in one archive.

What the archive holds and why it is consistent is in ``tromsvekst.operations.backup``; how to run it daily
and restore it is in the README.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tromsvekst.operations.backup import BackupError, backup, plural


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump --format=custom; SQLite: the backup API) and "
        "every file under MEDIA_ROOT, with a manifest of SHA-256 sums, to one tar archive."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive to write, e.g. backup.tar.")

    def handle(self, *args: object, file: Path, **options: object) -> None:
        try:
            result = backup(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for problem in result.file_problems:
            self.stderr.write(self.style.WARNING(f"Warning: {problem}"))
        size = result.file_bytes / 1_000_000
        self.stdout.write(
            f"Backed up the {result.vendor} database {result.database} "
            f"({plural(result.tables, 'table')}) and {plural(result.files, 'file')} from "
            f"MEDIA_ROOT ({size:.1f} MB) to {result.path}."
        )
