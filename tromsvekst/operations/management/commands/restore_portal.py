"""``manage.py restore_portal FILE.tar [--force] [--check]``: restore a ``backup_portal`` archive.

Into an empty database and an empty MEDIA_ROOT; ``--force`` replaces what is there. ``--check``
only checks the archive against its manifest. See ``tromsvekst.operations.backup`` and the README.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tromsvekst.operations.backup import BackupError, check_archive, plural, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_portal into the (empty) database and MEDIA_ROOT, "
        "checking every file against the SHA-256 in the archive's manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The archive made by backup_portal.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even if the database has tables or MEDIA_ROOT has files: the tables "
            "are dropped first and files of the same name are overwritten.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that the archive is intact; restore nothing.",
        )

    def handle(
        self, *args: object, file: Path, force: bool, check: bool, **options: object
    ) -> None:
        try:
            if check:
                archive = check_archive(file)
                media = plural(len(archive.media), "file")
                self.stdout.write(
                    f"{file}: intact. A {archive.vendor} database and {media}, made "
                    f"{archive.manifest['created_at']}; every file matches its SHA-256."
                )
                return
            result = restore(file, force=force, info=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        checked = ", ".join(plural(count, noun) for noun, count in result.files_checked)
        self.stdout.write(
            f"Restored {file} into the {result.vendor} database {result.database} "
            f"({plural(result.tables, 'table')}) and {plural(result.files, 'file')}"
            + (f"; {checked} checked against the SHA-256 in its row." if checked else ".")
        )
        if result.pending_migrations:
            self.stdout.write(
                f"The backup is older than this version of the portal: run manage.py migrate "
                f"({plural(len(result.pending_migrations), 'migration')} to apply)."
            )
