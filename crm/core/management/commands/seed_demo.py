"""Load the demo data: geography, org structure, one user per role. Safe to run again.

Each app that has demo data provides ``<app>/demo.py`` with ``seed(scale=...)``; they run in
the order of DEMO_APPS. ``--scale full`` is meant for benchmark sizes; today every app seeds
the same data at both scales (clients and outlets, which grow with scale, arrive later).
"""

import base64
import importlib
import json

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from crm.accounts.demo import demo_logins
from crm.accounts.roles import role_label
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source

DEMO_APPS = ["crm.refs", "crm.accounts"]


class Command(BaseCommand):
    help = "Create or update the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["ci", "full"], default="ci")
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    def handle(self, *args, scale, quiet, **options):
        with audit_context(source=Source.SYSTEM, channel=Channel.TASK, command="seed_demo"):
            with transaction.atomic():
                for app in DEMO_APPS:
                    counts = importlib.import_module(f"{app}.demo").seed(scale=scale)
                    if not quiet:
                        self.stdout.write(f"{app}: {json.dumps(counts, ensure_ascii=False)}")
            call_command("sync_schedules", verbosity=0, stdout=self.stdout if not quiet else None)
        if not quiet:
            self.print_logins()

    def print_logins(self):
        self.stdout.write("")
        self.stdout.write("Demo logins (password for all: see below)")
        self.stdout.write(f"{'username':<12} {'role':<28} {'password':<16} TOTP secret (base32)")
        for entry in demo_logins():
            secret = ""
            if entry["totp_secret_hex"]:
                secret = base64.b32encode(bytes.fromhex(entry["totp_secret_hex"])).decode()
            self.stdout.write(
                f"{entry['username']:<12} {role_label(entry['role']):<28} "
                f"{entry['password']:<16} {secret}"
            )
