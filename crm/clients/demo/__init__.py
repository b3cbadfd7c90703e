"""Demo data of the clients app: dictionaries, organisations, contacts, bank accounts and
interactions.

Scale "ci" builds about 1,500 organisations from a fixed random seed with the ORM (bulk_create);
scale "full" adds the benchmark volume (300k organisations, 1M contacts, ~380 extra sales
managers) loaded with PostgreSQL COPY, the audit triggers switched off for the load.

Idempotent: organisations are keyed by erp_key ("DEMO-ORG-000001", "BENCH-ORG-000001"...), and
an organisation's contacts, bank accounts and interactions are created only while it has none,
each from a random generator seeded by its key, so a second run creates nothing. The benchmark
rows are loaded all at once or not at all (one transaction).
"""

from crm.clients.demo.bench import load_bench_rows
from crm.clients.demo.ci import seed_ci
from crm.clients.demo.data import (
    AGENDA_SUBJECT,
    BENCH_PREFIX,
    BENCH_SIZES,
    BENCH_USER_PREFIX,
    CI_DEALERS,
    CI_ORGANISATIONS,
    CI_PREFIX,
    CI_SUB_DEALERS,
    PLANTED_KEY,
)
from crm.clients.models import Contact, Interaction

__all__ = [
    "AGENDA_SUBJECT",
    "BENCH_PREFIX",
    "BENCH_SIZES",
    "BENCH_USER_PREFIX",
    "CI_DEALERS",
    "CI_ORGANISATIONS",
    "CI_PREFIX",
    "CI_SUB_DEALERS",
    "PLANTED_KEY",
    "load_bench_rows",
    "seed",
    "seed_ci",
]


def seed(*, scale: str) -> dict[str, int]:
    """Create the clients demo data; scale "full" adds the benchmark volume."""
    counts = seed_ci()
    if scale == "full":
        counts |= load_bench_rows(**BENCH_SIZES)
    counts["contacts"] = Contact.objects.count()
    counts["interactions"] = Interaction.objects.count()
    return counts
