"""Print the demo logins as JSON (the `make run` smoke test logs each one in over HTTP)."""

import json

from django.core.management.base import BaseCommand

from crm.accounts.demo import demo_logins


class Command(BaseCommand):
    help = (
        "Print the demo users as a JSON list of {username, password, role, totp_secret_hex}; "
        "totp_secret_hex is null for users without a second factor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="JSON output (the only format).")

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(demo_logins(), ensure_ascii=False))
