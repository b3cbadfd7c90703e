"""Demo outlets: a few per demo dealer and sub-dealer (scale "ci"); scale "full" adds 600,000
benchmark outlets spread over the benchmark dealers, generated inside PostgreSQL.

Idempotent: outlets are keyed by erp_key ("DEMO-OUT-000001", "BENCH-OUT-000001"); a dealer's
outlets are created only while the demo has none, so a second run creates nothing."""

import random
import re

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone

from crm.catalog.models import Brand
from crm.clients.demo.ci import Territory
from crm.clients.demo.data import BENCH_PREFIX, CI_PREFIX, STREETS
from crm.clients.models import DEALER_KINDS, Contact, Organisation
from crm.outlets.models import Outlet, OutletEquipment, OutletStatus
from crm.refs.models import OutletFormat

CI_OUTLET_PREFIX = "DEMO-OUT-"
BENCH_OUTLET_PREFIX = "BENCH-OUT-"
BENCH_OUTLETS = 600_000
SEED = 20261130
# «ООО «Сервис-Ойл»» → «Сервис-Ойл»: a shop is named after the dealer's brand, not its legal
# name (quotes inside quotes read badly on every page that shows the outlet).
_LEGAL_QUOTED = re.compile(r"^(?:ООО|АО|ПАО|ЗАО)\s+«(.+)»$")


def trade_name(name: str) -> str:
    match = _LEGAL_QUOTED.match(name)
    return match[1] if match else name


NAMES = ["Магазин", "Салон", "Автомагазин", "Точка продаж", "Автоцентр", "Шинный центр"]
EQUIPMENT = ["Стеллаж фирменный", "Холодильник", "Промостойка", "Световой короб", "Витрина"]
POS = ["Плакаты, воблеры", "Стойка с буклетами", "Ценникодержатели", "Напольная графика", ""]


def seed(*, scale: str) -> dict[str, int]:
    counts = _seed_ci()
    if scale == "full":
        counts["bench_outlets"] = _seed_bench(BENCH_OUTLETS)
    counts["outlets"] = Outlet.objects.count()
    return counts


def _seed_ci() -> dict[str, int]:
    if Outlet.objects.filter(erp_key__startswith=CI_OUTLET_PREFIX).exists():
        return {"ci_outlets": 0}
    rng = random.Random(SEED)  # noqa: S311  (demo data, reproducible)
    territory = Territory()
    formats = list(OutletFormat.objects.filter(is_active=True).order_by("pk"))
    brands = list(Brand.objects.filter(is_active=True).order_by("pk"))
    dealers = list(
        Organisation.objects.filter(kind__in=DEALER_KINDS, erp_key__startswith=CI_PREFIX)
        .order_by("erp_key")
        .only("pk", "name", "region_id", "org_unit_id", "owner_id")
    )
    now = timezone.now()
    outlets, number = [], 0
    for dealer in dealers:
        for _ in range(rng.randrange(2, 7)):
            number += 1
            region_id = dealer.region_id or territory.pick_region(rng)
            outlets.append(
                Outlet(
                    dealer=dealer,
                    name=f"{rng.choice(NAMES)} «{trade_name(dealer.name)}» №{number}",
                    format=rng.choice(formats) if formats else None,
                    status=rng.choices(
                        [OutletStatus.ACTIVE, OutletStatus.PLANNED, OutletStatus.CLOSED],
                        weights=[85, 8, 7],
                    )[0],
                    address=territory.address(rng, region_id),
                    region_id=region_id,
                    org_unit_id=dealer.org_unit_id,
                    owner_id=dealer.owner_id,
                    opening_hours=rng.choice(["09:00–21:00", "10:00–20:00", "круглосуточно"]),
                    area_sqm=rng.randrange(20, 600),
                    shelf_share=rng.randrange(5, 60),
                    pos_materials=rng.choice(POS),
                    erp_key=f"{CI_OUTLET_PREFIX}{number:06d}",
                    created_at=now,
                    updated_at=now,
                )
            )
    with transaction.atomic():
        Outlet.objects.bulk_create(outlets, batch_size=1000)
        links, equipment = [], []
        brand_link = Outlet.brands.through
        contact_link = Outlet.contacts.through
        contacts_of = {}
        for contact_id, organisation_id in Contact.objects.filter(
            organisation__in=dealers
        ).values_list("pk", "organisation_id"):
            contacts_of.setdefault(organisation_id, []).append(contact_id)
        contact_links = []
        for outlet in outlets:
            for brand in rng.sample(brands, k=min(len(brands), rng.randrange(1, 4))):
                links.append(brand_link(outlet_id=outlet.pk, brand_id=brand.pk))
            if contacts_of.get(outlet.dealer_id):
                contact_links.append(
                    contact_link(
                        outlet_id=outlet.pk, contact_id=rng.choice(contacts_of[outlet.dealer_id])
                    )
                )
            if rng.random() < 0.4:
                equipment.append(
                    OutletEquipment(
                        outlet=outlet,
                        name=rng.choice(EQUIPMENT),
                        quantity=rng.randrange(1, 4),
                        installed_on=now.date().replace(day=1),
                    )
                )
        brand_link.objects.bulk_create(links, batch_size=2000)
        contact_link.objects.bulk_create(contact_links, batch_size=2000)
        OutletEquipment.objects.bulk_create(equipment, batch_size=1000)
    return {"ci_outlets": len(outlets), "ci_equipment": len(equipment)}


_BENCH_SQL = """
WITH dealer AS (
    SELECT id, name, region_id, org_unit_id, owner_id,
           row_number() OVER (ORDER BY id) - 1 AS rn, count(*) OVER () AS n
    FROM clients_organisation
    WHERE kind IN ('dealer', 'sub_dealer') AND erp_key LIKE %s
)
INSERT INTO outlets_outlet (
    version, created_at, updated_at, dealer_id, name, format_id, status, address, region_id,
    org_unit_id, owner_id, phone, opening_hours, area_sqm, shelf_share, pos_materials, erp_key,
    notes, is_archived, geo_precision
)
SELECT 1, now() - (g %% 900) * interval '1 day', now() - (g %% 5000) * interval '1 minute',
       d.id,
       (%s::text[])[1 + g %% %s] || ' «' || d.name || '» №' || g,
       (%s::bigint[])[1 + g %% %s],
       CASE WHEN g %% 20 = 0 THEN 'closed' WHEN g %% 13 = 0 THEN 'planned' ELSE 'active' END,
       coalesce(r.name, '') || ', ' || (%s::text[])[1 + g %% %s]
           || ', д. ' || (1 + g %% 150),
       d.region_id, d.org_unit_id, d.owner_id, '', '10:00–20:00', 20 + g %% 500, g %% 60, '',
       %s || lpad(g::text, 6, '0'), '', g %% 50 = 0, ''
FROM generate_series(1, %s) AS g
JOIN dealer d ON d.rn = g %% d.n
LEFT JOIN refs_region r ON r.id = d.region_id
"""
_BENCH_PARAMS = (
    "dealers",
    "names",
    "names_n",
    "formats",
    "formats_n",
    "streets",
    "streets_n",
    "prefix",
    "count",
)


def _seed_bench(count: int) -> int:
    existing = Outlet.objects.filter(erp_key__startswith=BENCH_OUTLET_PREFIX).count()
    if existing:
        return existing
    formats = list(OutletFormat.objects.order_by("pk").values_list("pk", flat=True)) or [None]
    with (
        transaction.atomic(),
        pgtrigger.ignore("outlets.Outlet:insert_insert"),
        connection.cursor() as cursor,
    ):
        values = {
            "dealers": BENCH_PREFIX + "%",
            "names": NAMES,
            "names_n": len(NAMES),
            "formats": formats,
            "formats_n": len(formats),
            "streets": STREETS,
            "streets_n": len(STREETS),
            "prefix": BENCH_OUTLET_PREFIX,
            "count": count,
        }
        cursor.execute(_BENCH_SQL, [values[name] for name in _BENCH_PARAMS])
        cursor.execute("ANALYZE outlets_outlet")
    return Outlet.objects.filter(erp_key__startswith=BENCH_OUTLET_PREFIX).count()
