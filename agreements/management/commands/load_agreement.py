from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.loader import AgreementFileError, agreement_load, read_agreement_file


class Command(BaseCommand):
    help = (
        "Load agreements from fixture files (default: every agreement file in fixtures/). "
        "Loading again adds what is missing and keeps edits made in the portal; "
        "--reset sets the texts back to the file's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Overwrite edits made in the portal with the file's texts.",
        )

    def handle(self, *args: object, paths: list[Path], reset: bool, **options: object) -> None:
        if not paths:
            paths = sorted(Path(settings.FIXTURES_DIR).glob("tromsvekstavtalen-*.json"))
        if not paths:
            raise CommandError("No agreement files found.")
        for path in paths:
            try:
                result = agreement_load(data=read_agreement_file(path), reset=reset)
            except AgreementFileError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"{result.agreement.title}: {result.created} created, {result.updated} updated, "
                f"{result.deleted} deleted, {result.kept} kept as they were."
            )
