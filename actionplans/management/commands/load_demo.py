from django.core.management.base import BaseCommand, CommandError

from agreements.demo import DEMO_PASSWORD, REAL_AGREEMENT, demo_users_load
from agreements.models import Agreement


class Command(BaseCommand):
    help = "Add the demo users, the example action plan and its history (all marked as example data). Safe to run again."

    def handle(self, *args, **options):
        if not Agreement.objects.filter(slug=REAL_AGREEMENT).exists():
            raise CommandError("Load the agreement first: manage.py load_agreement")
        users = demo_users_load()
        self.stdout.write("")
        self.stdout.write("Demo logins (example data), all with the password " + DEMO_PASSWORD)
        for demo, _created in users:
            self.stdout.write(f"  {demo.username:<24} {demo.description}")
        self.stdout.write("")
