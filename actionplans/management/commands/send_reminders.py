"""``manage.py send_reminders [--dry-run] [--today YYYY-MM-DD]``: the daily reminder e-mails.

Run once a day from cron or a systemd timer (see the README). What is sent, to whom and why, and
how repeats are avoided, is in ``actionplans.reminders``. Exits non-zero when any e-mail could
not be sent; those are retried on the next run.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplans.reminders import send_reminders
from tromsvekst.lib.dates import local_today


def _date(value: str | datetime.date) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "E-mail each coordinator a digest of their overdue and stale milestones, and meeting "
        "participants a notice seven days ahead. Run daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be sent; send and record nothing.",
        )
        parser.add_argument(
            "--today",
            help="Act as if today were this date (YYYY-MM-DD, Europe/Oslo). Default: today.",
        )

    def handle(
        self,
        *args: object,
        dry_run: bool = False,
        today: str | None = None,
        verbosity: int = 1,
        **options: object,
    ) -> None:
        day = _date(today) if today else local_today()

        def info(line: str) -> None:
            if dry_run or verbosity >= 2:
                self.stdout.write(line)

        def warn(line: str) -> None:
            self.stderr.write(self.style.WARNING(line))

        outcome = send_reminders(today=day, dry_run=dry_run, info=info, warn=warn)
        self.stdout.write(outcome.summary(dry_run=dry_run))
        if outcome.failed:
            raise CommandError(
                f"{outcome.failed} e-mail(s) could not be sent; they will be retried on the next run."
            )
