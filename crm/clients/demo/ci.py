"""The ci-scale demo clients: dictionaries, territory, owners, organisations and children."""

# ruff: noqa: S311 (demo data: reproducible pseudo-random values, nothing secret)

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.utils import timezone

from crm.accounts import roles
from crm.accounts.demo import USERS as DEMO_USERS
from crm.accounts.models import OrgUnit, OrgUnitKind, User
from crm.clients import requisites
from crm.clients.demo.data import (
    AGENDA,
    AGENDA_SUBJECT,
    ANCHOR,
    AREA_CODES,
    BANK_SPB,
    BANKS,
    BATCH,
    BODIES,
    CI_DEALERS,
    CI_HOLDINGS,
    CI_ORGANISATIONS,
    CI_PREFIX,
    CI_SUB_DEALERS,
    COMMON_WORDS,
    DICTIONARIES,
    FEMALE_FIRST,
    FORMS,
    HOLDING_WORDS,
    JOB_TITLES,
    KINDS,
    MALE_FIRST,
    MOBILE_CODES,
    NEXT_STEPS,
    PATRONYMICS,
    PLANTED_CONTACT,
    PLANTED_KEY,
    PLANTED_NAME,
    PLANTED_PHONE,
    POSTCODE_PREFIX,
    QUALIFIERS,
    ROOTS,
    SEED,
    STREETS,
    SUBJECTS,
    SURNAMES,
    _weighted,
    translit,
)
from crm.clients.models import (
    BankAccount,
    Contact,
    CounterpartyType,
    HoldingGroup,
    Interaction,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from crm.refs.models import City, Region

# --- Dictionaries and geography -------------------------------------------------------------


def seed_dictionaries() -> dict[str, list[int]]:
    """Create the client dictionaries keyed by external code; the ids in list order."""
    ids = {}
    for model, values, _weights in DICTIONARIES:
        ids[model.__name__] = []
        for code, name in values:
            row, _ = model.objects.update_or_create(
                external_code=code, defaults={"name": name, "is_active": True}
            )
            ids[model.__name__].append(row.pk)
    return ids


class Territory:
    """The geography the generators draw from: regions with weights, their cities, the org
    unit covering each region, and a grouping into macro-regions for dealer networks."""

    def __init__(self):
        regions = list(Region.objects.select_related("district").order_by("code"))
        self.by_id = {r.pk: r for r in regions}
        self.cities = defaultdict(list)
        for city in City.objects.filter(is_active=True).order_by("region_id", "id"):
            self.cities[city.region_id].append(city.name)
        self.unit_of = {}
        self.macro_of = {}
        units = OrgUnit.objects.filter(kind=OrgUnitKind.REGION, is_active=True).order_by("id")
        for unit in units.prefetch_related("regions"):
            for region in unit.regions.all():
                self.unit_of.setdefault(region.pk, unit)
                self.macro_of.setdefault(region.pk, f"unit:{unit.parent_id}")
        for region in regions:
            self.macro_of.setdefault(region.pk, f"district:{region.district_id}")
        fixed = {"77": 12.0, "50": 8.0, "78": 6.0, "47": 2.0}
        rest = [r for r in regions if r.code not in fixed]
        raw = {
            r.pk: (3 if r.pk in self.unit_of else 1) * len(self.cities[r.pk] or [1]) for r in rest
        }
        total = sum(raw.values()) or 1
        self.weights = {}
        for region in regions:
            if region.code in fixed:
                self.weights[region.pk] = fixed[region.code]
            else:
                self.weights[region.pk] = 72.0 * raw[region.pk] / total
        self.region_ids = [r.pk for r in regions]
        self.cum_weights = []
        acc = 0.0
        for pk in self.region_ids:
            acc += self.weights[pk]
            self.cum_weights.append(acc)
        self.macro_regions = defaultdict(list)
        for pk in self.region_ids:
            self.macro_regions[self.macro_of[pk]].append(pk)
        self.id_of_code = {r.code: r.pk for r in regions}

    def pick_region(self, rng: random.Random) -> int:
        return rng.choices(self.region_ids, cum_weights=self.cum_weights)[0]

    def code(self, region_id: int) -> str:
        return self.by_id[region_id].code

    def address(self, rng: random.Random, region_id: int) -> str:
        region = self.by_id[region_id]
        city = rng.choice(self.cities[region_id] or [region.name])
        prefix = POSTCODE_PREFIX.get(region.code) or str(rng.randrange(3, 7))
        postcode = prefix + "".join(str(rng.randrange(10)) for _i in range(6 - len(prefix)))
        parts = [postcode]
        if city != region.name:
            parts.append(region.name)
        parts += [f"г. {city}", rng.choice(STREETS), f"д. {rng.randrange(1, 150)}"]
        if rng.random() < 0.5:
            parts.append(f"оф. {rng.randrange(1, 400)}")
        return ", ".join(parts)

    def phone(self, rng: random.Random, region_id: int) -> str:
        codes = AREA_CODES.get(self.code(region_id))
        if codes and rng.random() < 0.85:
            area = rng.choice(codes)
            number = f"{rng.randrange(2 * 10 ** (9 - len(area)), 10 ** (10 - len(area)))}"
            phone = f"+7{area}{number}"
            return phone if phone != PLANTED_PHONE else "+74951234568"
        return mobile(rng)


def mobile(rng: random.Random) -> str:
    return f"+7{rng.choice(MOBILE_CODES)}{rng.randrange(10**7):07d}"


def person(rng: random.Random) -> tuple[str, str, str]:
    """(last, first, middle) name of a man or a woman."""
    female = rng.random() < 0.45
    surname = rng.choice(SURNAMES)[1 if female else 0]
    first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    middle = rng.choice(PATRONYMICS)[1 if female else 0]
    return surname, first, middle


def company_word(rng: random.Random) -> str:
    """A company name: ~30 % built from common words, the rest from rarer roots."""
    if rng.random() < 0.3:
        first, second = rng.sample(COMMON_WORDS, 2)
        return rng.choice([f"{first}{second.lower()}", f"{first}-{second}", f"{first} {second}"])
    return rng.choice(ROOTS) + rng.choice(QUALIFIERS)


def domain_for(rng: random.Random, word: str) -> str:
    base = translit(word) or "company"
    number = rng.choice(["", "", str(rng.randrange(1, 99))])
    return f"{base}{number}{rng.choice(['.ru', '.ru', '.com'])}"


# --- Owners ---------------------------------------------------------------------------------


class Owners:
    """Who owns organisations in a region: the sales users of the org unit covering it (the
    Moscow office's manager, manager2, manager3), its regional manager, else head of sales."""

    def __init__(self, territory: Territory, usernames):
        users = User.objects.filter(username__in=usernames, is_active=True).select_related(
            "position__org_unit"
        )
        self.head = (
            User.objects.filter(username="head").first()
            or User.objects.filter(groups__name=roles.HEAD_OF_SALES).order_by("id").first()
        )
        self.pools: dict[int, tuple[list[int], list[float]]] = {}
        units = {unit.pk: unit for unit in territory.unit_of.values()}
        by_unit = defaultdict(list)
        for user in users.order_by("username"):
            if not user.position_id:
                continue
            unit = user.position.org_unit
            top = unit.pk if unit.pk in units else unit.parent_id
            if top in units:
                by_unit[top].append(user)
        preferred = {"manager": 45, "manager2": 25, "manager3": 20}
        for unit_id, members in by_unit.items():
            sales = [u for u in members if not u.position.is_head]
            heads = [u for u in members if u.position.is_head]
            ids = [u.pk for u in sales] + [u.pk for u in heads]
            weights = [float(preferred.get(u.username, 10)) for u in sales]
            weights += [10.0 if sales else 100.0] * len(heads)
            if ids:
                self.pools[unit_id] = (ids, weights)

    def pick(self, rng: random.Random, unit) -> int | None:
        pool = self.pools.get(unit.pk) if unit else None
        if pool:
            return rng.choices(pool[0], weights=pool[1])[0]
        return self.head.pk if self.head else None


# --- CI scale -------------------------------------------------------------------------------


def _org_spec(rng, index, *, territory, owners, dicts, region_id, kind, erp_key) -> dict:
    """The fields of one organisation (without parent dealer and holding)."""
    code = territory.code(region_id)
    unit = territory.unit_of.get(region_id)
    entrepreneur = kind == OrganisationKind.CLIENT and rng.random() < 0.2
    if entrepreneur:
        last, first, middle = person(rng)
        name = f"ИП {last} {first[0]}. {middle[0]}."
        legal_name = f"Индивидуальный предприниматель {last} {first} {middle}"
        inn = requisites.make_inn_person(rng, code)
        kpp = ""
        ogrn = requisites.make_ogrnip(rng, code)
        word = last
    else:
        word = company_word(rng)
        short, long, _weight = rng.choices(FORMS, weights=[f[2] for f in FORMS])[0]
        name = f"{short} «{word}»"
        legal_name = f"{long} «{word}»"
        inn = requisites.make_inn_legal(rng, code)
        kpp = requisites.make_kpp(inn)
        ogrn = requisites.make_ogrn(rng, code)
    legal_address = territory.address(rng, region_id)
    actual_address = legal_address if rng.random() < 0.6 else territory.address(rng, region_id)
    domain = domain_for(rng, word)
    created = ANCHOR - timedelta(days=rng.randrange(30, 1200), minutes=rng.randrange(600))
    status = rng.choices(
        [OrganisationStatus.POTENTIAL, OrganisationStatus.ACTIVE, OrganisationStatus.CHURNED],
        weights=[25, 65, 10],
    )[0]
    if kind != OrganisationKind.CLIENT:
        status = OrganisationStatus.ACTIVE
    fields = {
        "kind": kind,
        "name": name,
        "legal_name": legal_name,
        "status": status,
        "counterparty_type": (
            CounterpartyType.ENTREPRENEUR if entrepreneur else CounterpartyType.LEGAL_ENTITY
        ),
        "region_id": region_id,
        "org_unit_id": unit.pk if unit else None,
        "owner_id": owners.pick(rng, unit),
        "inn": inn,
        "kpp": kpp,
        "ogrn": ogrn,
        "legal_address": legal_address,
        "actual_address": actual_address,
        "phone": territory.phone(rng, region_id),
        "phone_ext": str(rng.randrange(100, 999)) if rng.random() < 0.15 else "",
        "email": f"{rng.choice(['info', 'office', 'zakaz', 'sales', 'mail'])}@{domain}",
        "website": f"https://{domain}" if rng.random() < 0.4 else "",
        "erp_key": erp_key,
        "created_at": created,
        "updated_at": created + timedelta(days=rng.randrange(0, 25)),
    }
    for model, _values, weights in DICTIONARIES:
        field = {
            "ClientType": "client_type_id",
            "ClientCategory": "category_id",
            "SalesChannel": "sales_channel_id",
            "LeadSource": "lead_source_id",
        }[model.__name__]
        fields[field] = rng.choices(dicts[model.__name__], weights=weights)[0]
    if kind == OrganisationKind.DEALER:
        fields["client_type_id"] = dicts["ClientType"][2]  # Дистрибьютор
        fields["sales_channel_id"] = dicts["SalesChannel"][0]
    elif kind == OrganisationKind.SUB_DEALER:
        fields["sales_channel_id"] = dicts["SalesChannel"][1]
    return fields


def _ci_plan(territory: Territory, owners: Owners, dicts) -> list[dict]:
    """Every ci organisation as field dicts, with 'parent_key' and 'holding' placeholders."""
    rng = random.Random(SEED)
    count = CI_ORGANISATIONS
    moscow = territory.id_of_code.get("77")
    regions = [territory.pick_region(rng) for _i in range(count)]
    kinds = [OrganisationKind.CLIENT] * count
    indexes = list(range(1, count))
    rng.shuffle(indexes)
    dealers = indexes[:CI_DEALERS]
    sub_dealers = indexes[CI_DEALERS : CI_DEALERS + CI_SUB_DEALERS]
    holding_members = indexes[CI_DEALERS + CI_SUB_DEALERS :][: CI_HOLDINGS * 3]
    parent = {}
    for i in dealers:
        kinds[i] = OrganisationKind.DEALER
    dealers_by_macro = defaultdict(list)
    for i in dealers:
        dealers_by_macro[territory.macro_of[regions[i]]].append(i)
    macros = sorted(dealers_by_macro)
    for i in sub_dealers:
        kinds[i] = OrganisationKind.SUB_DEALER
        macro = territory.macro_of[regions[i]]
        if macro not in dealers_by_macro:
            macro = rng.choice(macros)
            regions[i] = rng.choice(territory.macro_regions[macro])
        parent[i] = rng.choice(dealers_by_macro[macro])
    if moscow:
        regions[0] = moscow
    specs = []
    for i in range(count):
        key = f"{CI_PREFIX}{i + 1:06d}"
        spec = _org_spec(
            rng,
            i,
            territory=territory,
            owners=owners,
            dicts=dicts,
            region_id=regions[i],
            kind=kinds[i],
            erp_key=key,
        )
        spec["parent_key"] = f"{CI_PREFIX}{parent[i] + 1:06d}" if i in parent else None
        spec["holding"] = None
        specs.append(spec)
    for n, i in enumerate(holding_members):
        group = n // 3
        specs[i]["holding"] = group
    planted = specs[0]
    manager = User.objects.filter(username="manager").first()
    planted.update(
        kind=OrganisationKind.CLIENT,
        name=PLANTED_NAME,
        legal_name=f"Общество с ограниченной ответственностью «{PLANTED_NAME}»",
        counterparty_type=CounterpartyType.LEGAL_ENTITY,
        status=OrganisationStatus.ACTIVE,
        phone=PLANTED_PHONE,
        phone_ext="",
        email="info@romashka-avto.ru",
        website="https://romashka-avto.ru",
        owner_id=manager.pk if manager else planted["owner_id"],
    )
    if not planted["kpp"]:
        planted["inn"] = requisites.make_inn_legal(rng, "77")
        planted["kpp"] = requisites.make_kpp(planted["inn"])
        planted["ogrn"] = requisites.make_ogrn(rng, "77")
    return specs


def _holding_names() -> list[str]:
    rng = random.Random(f"{SEED}:holdings")
    names = []
    roots = rng.sample(ROOTS, CI_HOLDINGS)
    for root in roots:
        names.append(f"{rng.choice(HOLDING_WORDS)} «{root}»")
    return names


def _create_organisations(specs: list[dict]) -> dict[str, int]:
    """bulk_create the organisations whose erp_key is missing; every ci key's id."""
    keys = [s["erp_key"] for s in specs]
    ids = dict(Organisation.objects.filter(erp_key__in=keys).values_list("erp_key", "id"))
    holdings = {}
    for n, name in enumerate(_holding_names()):
        holdings[n] = HoldingGroup.objects.get_or_create(name=name)[0].pk
    # Dealers and clients first, then sub-dealers that point at them.
    for wave in (False, True):
        new = []
        for spec in specs:
            if spec["erp_key"] in ids or (spec["parent_key"] is not None) != wave:
                continue
            fields = {k: v for k, v in spec.items() if k not in ("parent_key", "holding")}
            fields["parent_dealer_id"] = ids.get(spec["parent_key"]) if wave else None
            fields["holding_id"] = holdings.get(spec["holding"])
            new.append(Organisation(**fields))
        for row in Organisation.objects.bulk_create(new, batch_size=BATCH):
            ids[row.erp_key] = row.pk
    return ids


def _contact_rows(rng, org_id, spec) -> list[Contact]:
    domain = spec["email"].split("@", 1)[1]
    count = rng.choice([1, 2, 2, 2, 3])
    rows = []
    for n in range(count):
        last, first, middle = person(rng)
        consent = rng.random() < 0.6
        created = spec["created_at"] + timedelta(days=rng.randrange(0, 20))
        rows.append(
            Contact(
                organisation_id=org_id,
                last_name=last,
                first_name=first,
                middle_name=middle,
                job_title=rng.choices(*_weighted(JOB_TITLES))[0],
                phone=spec["phone"] if rng.random() < 0.7 else "",
                phone_ext=str(rng.randrange(100, 1000)) if rng.random() < 0.4 else "",
                mobile=mobile(rng) if rng.random() < 0.8 else "",
                email=f"{translit(first)[0]}.{translit(last)}{n or ''}@{domain}",
                mailing_consent=consent,
                consent_changed_at=created if consent else None,
                created_at=created,
                updated_at=created,
            )
        )
    return rows


def _bank_rows(rng, org_id, spec, spb_region_ids) -> list[BankAccount]:
    if rng.random() >= 0.7:
        return []
    bank = BANK_SPB if spec["region_id"] in spb_region_ids and rng.random() < 0.7 else None
    bik, bank_name, corr = bank or rng.choice(BANKS)
    return [
        BankAccount(
            organisation_id=org_id,
            bik=bik,
            bank_name=bank_name,
            corr_account=corr,
            account=requisites.make_bank_account(rng, bik),
            is_primary=True,
        )
    ]


def _interaction_rows(rng, org_id, spec, contact_ids, today) -> list[Interaction]:
    rows = []
    for _n in range(rng.choice([0, 1, 1, 2, 2, 3])):
        kind = rng.choices(*_weighted(KINDS))[0]
        occurred = ANCHOR - timedelta(days=rng.randrange(0, 120), minutes=rng.randrange(0, 480))
        step, step_date, done = "", None, False
        if rng.random() < 0.35:
            step = rng.choice(NEXT_STEPS)
            step_date = today + timedelta(days=rng.randrange(-14, 22))
            done = step_date < today and rng.random() < 0.5
        rows.append(
            Interaction(
                organisation_id=org_id,
                contact_id=rng.choice(contact_ids) if contact_ids and kind != "note" else None,
                kind=kind,
                direction=rng.choice(["in", "out"]) if kind in ("call", "email") else "",
                occurred_at=occurred,
                subject=rng.choice(SUBJECTS[kind]),
                body=rng.choice(BODIES),
                author_id=spec["owner_id"],
                next_step=step,
                next_step_date=step_date,
                next_step_done=done,
                created_at=occurred,
                updated_at=occurred,
            )
        )
    return rows


def _create_children(specs, ids, territory) -> None:
    """Contacts, bank accounts and interactions of the organisations that have none."""
    org_ids = [ids[s["erp_key"]] for s in specs]
    with_contacts = set(
        Contact.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    with_banks = set(
        BankAccount.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    with_interactions = set(
        Interaction.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    spb = {territory.id_of_code.get("78"), territory.id_of_code.get("47")}
    contacts, banks = [], []
    for spec in specs:
        org_id = ids[spec["erp_key"]]
        if org_id not in with_contacts:
            rng = random.Random(f"{SEED}:{spec['erp_key']}:contacts")
            rows = _contact_rows(rng, org_id, spec)
            if spec["erp_key"] == PLANTED_KEY:
                rows[0].last_name, rows[0].first_name, rows[0].middle_name = PLANTED_CONTACT
                rows[0].job_title = "Менеджер по закупкам"
                rows[0].email = "m.ivanova@romashka-avto.ru"
            contacts += rows
        if org_id not in with_banks:
            banks += _bank_rows(random.Random(f"{SEED}:{spec['erp_key']}:bank"), org_id, spec, spb)
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    BankAccount.objects.bulk_create(banks, batch_size=BATCH)
    contact_ids = defaultdict(list)
    for org_id, contact_id in (
        Contact.objects.filter(organisation_id__in=org_ids)
        .order_by("id")
        .values_list("organisation_id", "id")
    ):
        contact_ids[org_id].append(contact_id)
    today = timezone.localdate()
    interactions = []
    for spec in specs:
        org_id = ids[spec["erp_key"]]
        if org_id in with_interactions or not spec["owner_id"]:
            continue
        rng = random.Random(f"{SEED}:{spec['erp_key']}:interactions")
        interactions += _interaction_rows(rng, org_id, spec, contact_ids[org_id], today)
    Interaction.objects.bulk_create(interactions, batch_size=BATCH)


def _seed_agenda(specs, ids) -> None:
    """The user "manager"'s planted next steps: due today, overdue and upcoming, counted from
    today. Created once per step (keyed by organisation, author and subject); on a later day a
    pending step is moved back to its place relative to today."""
    manager = User.objects.filter(username="manager").first()
    if not manager:
        return
    owned = [ids[s["erp_key"]] for s in specs if s["owner_id"] == manager.pk][: len(AGENDA)]
    if not owned:
        return
    today = timezone.localdate()
    existing = {
        (i.organisation_id, i.subject): i
        for i in Interaction.objects.filter(
            author=manager, organisation_id__in=owned, subject__startswith=AGENDA_SUBJECT
        )
    }
    new = []
    for n, (offset, step) in enumerate(AGENDA):
        org_id = owned[n % len(owned)]
        subject = AGENDA_SUBJECT + step.lower()
        due = today + timedelta(days=offset)
        current = existing.get((org_id, subject))
        if current is None:
            occurred = timezone.make_aware(
                datetime.combine(today - timedelta(days=3 + n), time(10 + n % 7, 15))
            )
            new.append(
                Interaction(
                    organisation_id=org_id,
                    kind="call",
                    direction="out",
                    occurred_at=occurred,
                    subject=subject,
                    body="Договорились о следующем шаге по телефону.",
                    author=manager,
                    next_step=step,
                    next_step_date=due,
                    created_at=occurred,
                    updated_at=occurred,
                )
            )
        elif not current.next_step_done and current.next_step_date != due:
            Interaction.objects.filter(pk=current.pk).update(next_step_date=due)
    Interaction.objects.bulk_create(new)


def seed_ci() -> dict[str, int]:
    dicts = seed_dictionaries()
    territory = Territory()
    owners = Owners(territory, [u.username for u in DEMO_USERS])
    specs = _ci_plan(territory, owners, dicts)
    ids = _create_organisations(specs)
    _create_children(specs, ids, territory)
    _seed_agenda(specs, ids)
    return {"organisations": len(ids)}
