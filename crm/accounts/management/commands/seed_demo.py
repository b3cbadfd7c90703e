"""Load the demo data: geography, org structure, one user per role, clients. Safe to run again.

Each app with demo data provides ``<app>/demo.py`` with ``seed(scale=...)`` returning its row
counts; they run in the order of DEMO_APPS, in one transaction, under a "system / task" audit
context. Later features add their app to DEMO_APPS.
"""

import base64
import io
import json

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.module_loading import import_string

from crm.accounts.demo import demo_logins
from crm.accounts.roles import role_label
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source

DEMO_APPS = [
    "crm.refs",
    "crm.accounts",
    "crm.clients",
    "crm.catalog",
    "crm.outlets",
    "crm.approvals",
    "integrations.onec",
    "dealers",
    "crm.stock",
    "crm.sales",
]


def totp_secret_base32(secret_hex: str) -> str:
    """The secret as an authenticator app takes it (RFC 4648 base32, no padding)."""
    return base64.b32encode(bytes.fromhex(secret_hex)).decode().rstrip("=")


class Command(BaseCommand):
    help = (
        "Create or update the demo data (idempotent: a second run creates nothing) and print "
        "the demo logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["ci", "full"],
            default="ci",
            help=(
                "Data volume. 'ci': geography, org structure, one user per role and ~1,500 "
                "organisations with contacts, bank accounts and interactions. 'full': the same "
                "plus benchmark-sized data loaded with COPY: 300k organisations, 1M contacts, "
                "~300k interactions, ~200k bank accounts and ~400 users."
            ),
        )
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing (not even the demo logins)."
        )

    def handle(self, *args, scale, quiet, **options):
        with audit_context(source=Source.SYSTEM, channel=Channel.TASK, command="seed_demo"):
            with transaction.atomic():
                for app in DEMO_APPS:
                    counts = import_string(f"{app}.demo.seed")(scale=scale)
                    if not quiet:
                        self.stdout.write(f"{app}: {json.dumps(counts, ensure_ascii=False)}")
            if scale == "full" and not connection.in_atomic_block:
                # Rows loaded by COPY have no visibility map until a VACUUM writes it, so every
                # index-only scan visits the heap and the first readers set hint bits; the
                # autovacuum daemon gets to a million-row table minutes later. Outside the
                # transaction (VACUUM cannot run in one: a caller's, as a test's, skips it); on
                # a second run it skips the pages it already marked (about 10 s here over the
                # full volume after a first load).
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM (ANALYZE)")
            if "sync_schedules" in get_commands():
                out = io.StringIO() if quiet else self.stdout
                call_command("sync_schedules", verbosity=0 if quiet else 1, stdout=out)
        if not quiet:
            self.print_logins()

    def print_logins(self):
        rows = [
            (
                entry["username"],
                role_label(entry["role"]),
                entry["password"],
                totp_secret_base32(entry["totp_secret_hex"]) if entry["totp_secret_hex"] else "",
            )
            for entry in demo_logins()
        ]
        header = ("username", "role", "password", "TOTP secret (base32)")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins:"))
        for row in [header, *rows]:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[3]]).rstrip())
