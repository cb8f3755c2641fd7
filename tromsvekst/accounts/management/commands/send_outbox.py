"""Send the e-mail waiting in the outbox (tromsvekst/accounts/outbox.py), and delete old sent rows.

Run it every minute from cron or a systemd timer; see README, "Reminders and e-mail".
"""

from django.core.management.base import BaseCommand

from tromsvekst.accounts import outbox


class Command(BaseCommand):
    help = "Send the e-mail waiting in the outbox, and delete rows dealt with over 30 days ago."

    def handle(self, *args: object, **options: object) -> None:
        counts = outbox.send_waiting()
        pruned = outbox.prune()
        summary = ", ".join(f"{key}: {n}" for key, n in sorted(counts.items()))
        self.stdout.write(f"Outbox: {summary or 'nothing to send'}; {pruned} old rows deleted.")
