"""The benchmark volume: 300k organisations, 1M contacts, ~380 managers, loaded by COPY."""

# ruff: noqa: S311 (demo data: reproducible pseudo-random values, nothing secret)

import random
from array import array
from collections import defaultdict
from datetime import datetime, timedelta

import pgtrigger
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.demo import SALES_MANAGER
from crm.accounts.demo import USERS as DEMO_USERS
from crm.accounts.models import OrgUnitKind, Position, User
from crm.clients import requisites
from crm.clients.demo.ci import (
    Owners,
    Territory,
    _org_spec,
    mobile,
    person,
    seed_dictionaries,
)
from crm.clients.demo.data import (
    ANCHOR,
    BANKS,
    BATCH,
    BENCH_PREFIX,
    BENCH_USER_PREFIX,
    BODIES,
    CI_PREFIX,
    JOB_TITLES,
    KINDS,
    NEXT_STEPS,
    SEED,
    SUBJECTS,
    _weighted,
    _words,
    translit,
)
from crm.clients.models import (
    Contact,
    HoldingGroup,
    Organisation,
    OrganisationKind,
)
from crm.core.bulk import copy_rows

# --- Full scale: benchmark rows via COPY ----------------------------------------------------


def _spread(index: int, total: int, parents: int) -> int:
    """How many of `total` children parent number `index` of `parents` gets (exact in sum)."""
    return (index + 1) * total // parents - index * total // parents


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _bench_users(count: int, territory: Territory) -> dict[int, list[int]]:
    """The extra sales managers bench_mgr_001...: positions in the demo offices (or the region
    units without one), line manager the unit's regional manager or head. Their ids per unit."""
    units = sorted({u.pk: u for u in territory.unit_of.values()}.values(), key=lambda u: u.pk)
    if not units or not count:
        return {}
    share = defaultdict(float)
    for region_id, weight in territory.weights.items():
        unit = territory.unit_of.get(region_id)
        share[unit.pk if unit else None] += weight
    uncovered = share.pop(None, 0.0)
    weights = [share[u.pk] + uncovered / len(units) for u in units]
    head = User.objects.filter(username="head").first()
    positions, bosses = {}, {}
    for unit in units:
        office = unit.children.filter(kind=OrgUnitKind.OFFICE).order_by("id").first()
        positions[unit.pk] = Position.objects.get_or_create(
            name=SALES_MANAGER, org_unit=office or unit
        )[0]
        boss = (
            User.objects.filter(position__org_unit=unit, position__is_head=True, is_active=True)
            .exclude(username__startswith=BENCH_USER_PREFIX)
            .order_by("id")
            .first()
        )
        bosses[unit.pk] = boss or head
    rng = random.Random(f"{SEED}:bench-users")
    usernames = [f"{BENCH_USER_PREFIX}{n:03d}" for n in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    password = make_password(None)
    new = []
    for username in usernames:
        unit = rng.choices(units, weights=weights)[0]
        last, first, middle = person(rng)
        if username in existing:
            continue
        boss = bosses[unit.pk]
        new.append(
            User(
                username=username,
                last_name=last,
                first_name=first,
                middle_name=middle,
                email=f"{username}@demo-crm.example",
                position=positions[unit.pk],
                manager_id=boss.pk if boss else None,
                password=password,
                is_active=True,
            )
        )
    created = User.objects.bulk_create(new, batch_size=BATCH)
    group = Group.objects.get_or_create(name=roles.SALES_MANAGER)[0]
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in created],
        batch_size=BATCH,
    )
    pools = defaultdict(list)
    unit_of_position = {p.pk: unit_id for unit_id, p in positions.items()}
    for pk, position_id in (
        User.objects.filter(username__in=usernames)
        .order_by("username")
        .values_list("id", "position_id")
    ):
        if position_id in unit_of_position:
            pools[unit_of_position[position_id]].append(pk)
    return pools


BENCH_TRIGGERS = [
    f"clients.{model}:insert_insert"
    for model in ("Organisation", "Contact", "BankAccount", "Interaction")
] + ["accounts.User:insert_insert", "accounts.User_groups:add_insert"]

ORG_COLUMNS = _words(
    """
version created_at updated_at kind name legal_name status counterparty_type
parent_dealer_id holding_id client_type_id category_id sales_channel_id lead_source_id
region_id org_unit_id owner_id inn kpp ogrn legal_address actual_address phone phone_ext
email website erp_key notes is_archived
"""
)
CONTACT_COLUMNS = _words(
    """
version created_at updated_at organisation_id last_name first_name middle_name job_title
phone phone_ext mobile email email_secondary mailing_consent consent_changed_at notes
is_archived
"""
)
BANK_COLUMNS = _words(
    """
version created_at updated_at organisation_id bik bank_name corr_account account is_primary
erp_key
"""
)
INTERACTION_COLUMNS = _words(
    """
version created_at updated_at organisation_id contact_id kind direction occurred_at
subject body author_id next_step next_step_date next_step_done
"""
)


def load_bench_rows(
    *,
    organisations: int,
    contacts: int,
    interactions: int,
    bank_accounts: int,
    users: int,
) -> dict[str, int]:
    """COPY the benchmark organisations and their children; nothing if they are loaded."""
    existing = Organisation.objects.filter(erp_key__startswith=BENCH_PREFIX).count()
    if existing:
        return {"bench_organisations": existing}
    dicts = seed_dictionaries()
    territory = Territory()
    with transaction.atomic(), pgtrigger.ignore(*BENCH_TRIGGERS):
        pools = _bench_users(users, territory)
        all_bench = [pk for pool in pools.values() for pk in pool]
        owners = Owners(territory, [u.username for u in DEMO_USERS])
        dealers_by_macro = defaultdict(list)
        for org_id, region_id in Organisation.objects.filter(
            kind=OrganisationKind.DEALER, erp_key__startswith=CI_PREFIX
        ).values_list("id", "region_id"):
            dealers_by_macro[territory.macro_of.get(region_id)].append(org_id)
        holdings = list(HoldingGroup.objects.order_by("id").values_list("id", flat=True))
        # Per organisation, what its children need: owner, phone, e-mail domain, created.
        owner_of = array("q")
        phone_of = []
        domain_of = []
        created_of = []
        rng = random.Random(f"{SEED}:bench")
        today = timezone.localdate()

        def organisation_rows():
            for i in range(organisations):
                region_id = territory.pick_region(rng)
                unit = territory.unit_of.get(region_id)
                roll = rng.random()
                kind = OrganisationKind.CLIENT
                macro_dealers = dealers_by_macro.get(territory.macro_of[region_id])
                if roll < 0.01:
                    kind = OrganisationKind.DEALER
                elif roll < 0.02 and macro_dealers:
                    kind = OrganisationKind.SUB_DEALER
                spec = _org_spec(
                    rng,
                    i,
                    territory=territory,
                    owners=owners,
                    dicts=dicts,
                    region_id=region_id,
                    kind=kind,
                    erp_key=f"{BENCH_PREFIX}{i + 1:06d}",
                )
                pool = pools.get(unit.pk) if unit else all_bench
                if pool:
                    spec["owner_id"] = rng.choice(pool)
                owner_of.append(spec["owner_id"] or 0)
                phone_of.append(spec["phone"])
                domain_of.append(spec["email"].split("@", 1)[1])
                created_of.append(spec["created_at"])
                spec["parent_dealer_id"] = (
                    rng.choice(macro_dealers) if kind == OrganisationKind.SUB_DEALER else None
                )
                spec["holding_id"] = (
                    rng.choice(holdings) if holdings and rng.random() < 0.05 else None
                )
                spec["version"] = 1
                spec["notes"] = ""
                spec["is_archived"] = "f"
                spec["created_at"] = _iso(spec["created_at"])
                spec["updated_at"] = _iso(spec["updated_at"])
                yield [spec[c] for c in ORG_COLUMNS]

        copy_rows("clients_organisation", ORG_COLUMNS, organisation_rows())
        org_ids = array(
            "q",
            Organisation.objects.filter(erp_key__startswith=BENCH_PREFIX)
            .order_by("erp_key")
            .values_list("id", flat=True)
            .iterator(chunk_size=20000),
        )

        def contact_rows():
            titles, title_weights = _weighted(JOB_TITLES)
            for i in range(organisations):
                domain = domain_of[i]
                created = created_of[i]
                for n in range(_spread(i, contacts, organisations)):
                    last, first, middle = person(rng)
                    consent = rng.random() < 0.6
                    stamp = _iso(created + timedelta(days=rng.randrange(0, 20)))
                    yield [
                        1,
                        stamp,
                        stamp,
                        org_ids[i],
                        last,
                        first,
                        middle,
                        rng.choices(titles, weights=title_weights)[0],
                        phone_of[i] if rng.random() < 0.7 else "",
                        str(rng.randrange(100, 1000)) if rng.random() < 0.4 else "",
                        mobile(rng) if rng.random() < 0.8 else "",
                        f"{translit(first)[0]}.{translit(last)}{n or ''}@{domain}",
                        "",
                        "t" if consent else "f",
                        stamp if consent else None,
                        "",
                        "f",
                    ]

        copy_rows("clients_contact", CONTACT_COLUMNS, contact_rows())
        del domain_of[:]
        first_contact = org_ids[0] if organisations else 0
        contact_ids = array(
            "q",
            Contact.objects.filter(
                organisation_id__gte=first_contact, organisation__erp_key__startswith=BENCH_PREFIX
            )
            .order_by("id")
            .values_list("id", flat=True)
            .iterator(chunk_size=50000),
        )

        def bank_rows():
            for i in range(organisations):
                for _n in range(_spread(i, bank_accounts, organisations)):
                    bik, bank_name, corr = rng.choice(BANKS)
                    account = requisites.make_bank_account(rng, bik)
                    stamp = _iso(created_of[i])
                    yield [1, stamp, stamp, org_ids[i], bik, bank_name, corr, account, "t", ""]

        copy_rows("clients_bankaccount", BANK_COLUMNS, bank_rows())

        def interaction_rows():
            kinds, kind_weights = _weighted(KINDS)
            for i in range(organisations):
                start = i * contacts // organisations
                own = _spread(i, contacts, organisations)
                for _n in range(_spread(i, interactions, organisations)):
                    kind = rng.choices(kinds, weights=kind_weights)[0]
                    occurred = _iso(
                        ANCHOR - timedelta(days=rng.randrange(0, 120), minutes=rng.randrange(480))
                    )
                    step, step_date, done = "", None, "f"
                    if rng.random() < 0.35:
                        step = rng.choice(NEXT_STEPS)
                        due = today + timedelta(days=rng.randrange(-14, 22))
                        step_date = due.isoformat()
                        done = "t" if due < today and rng.random() < 0.5 else "f"
                    contact = None
                    if own and kind != "note":
                        contact = contact_ids[start + rng.randrange(own)]
                    yield [
                        1,
                        occurred,
                        occurred,
                        org_ids[i],
                        contact,
                        kind,
                        rng.choice(["in", "out"]) if kind in ("call", "email") else "",
                        occurred,
                        rng.choice(SUBJECTS[kind]),
                        rng.choice(BODIES),
                        owner_of[i],
                        step,
                        step_date,
                        done,
                    ]

        copy_rows("clients_interaction", INTERACTION_COLUMNS, interaction_rows())
        with connection.cursor() as cursor:
            for table in (
                "clients_organisation",
                "clients_contact",
                "clients_bankaccount",
                "clients_interaction",
            ):
                cursor.execute(f"ANALYZE {table}")
    return {
        "bench_users": sum(len(p) for p in pools.values()),
        "bench_organisations": organisations,
        "bench_contacts": contacts,
        "bench_interactions": interactions,
        "bench_bank_accounts": bank_accounts,
    }
