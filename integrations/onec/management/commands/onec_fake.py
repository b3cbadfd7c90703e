"""Serve the demo's fake 1C base while `make run` runs, unless a real 1C is configured."""

import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from integrations.onec import demo
from integrations.onec.fake import FakeOneC


class Command(BaseCommand):
    help = (
        "Serve a fake 1C OData base built from this database's records with 1C keys, on "
        "ONEC_FAKE_PORT, when ONEC_URL is not set (then the app talks to it). With a real 1C "
        "configured it only waits, so that the other processes of `make run` keep running."
    )

    def handle(self, *args, **options):
        port = settings.ONEC_FAKE_PORT
        fake_url = f"http://127.0.0.1:{port}/base/odata/standard.odata"
        if not port or fake_url != settings.ONEC_URL:
            self.stdout.write("A real 1C is configured (or ONEC_FAKE_PORT is unset): no fake.")
            threading.Event().wait()
            return
        dataset = {name: rows for name, rows in demo.dataset_from_database().items() if rows}
        with FakeOneC(dataset, port=port) as fake:
            sizes = ", ".join(f"{name}: {len(rows)}" for name, rows in dataset.items())
            self.stdout.write(f"Fake 1C on {fake.url} (user {fake.username!r}); {sizes}")
            self.stdout.flush()
            threading.Event().wait()
