"""The demo's 1C: a fake base built from the demo database, and a first sync run against it.

``dataset_from_database()`` writes every record that carries a 1C key back into the entity
sets and properties of the shipped УТ 11 mapping (the reverse of the sync), plus the fake's own
five counterparties, which the CRM does not have yet, and five weeks of sales and returns
documents for the demo's clients and dealers (a quarter of the clients bought nothing). Syncing
from it therefore changes none of the demo's records, adds those five, loads the sales into the
ledger, and the churn that follows shows who stopped buying; `make run` serves
the same base (``manage.py onec_fake``) so that "Check against the 1C $metadata" and "Run now"
work in the demo's admin.

The demo's keys are readable codes (``DEMO-ORG-000001``, ``OKEI-796``), not the GUIDs a real
base uses; the sync treats keys as opaque text, so nothing depends on their shape.
"""

import base64
import hashlib
import json
import random
from datetime import date, timedelta

from django.utils import timezone

from integrations.onec import sync, targets
from integrations.onec.client import ODataClient
from integrations.onec.fake import RETURNS, SALES, ZERO_GUID, FakeOneC, demo_dataset
from integrations.onec.models import Mapping, SyncRun

ORGS = "Catalog_Контрагенты"


def _version(row: dict) -> str:
    digest = hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _folder_flag(target: targets.Target) -> dict:
    if target.filter == "IsFolder eq true":
        return {"IsFolder": True}
    if target.filter == "IsFolder eq false":
        return {"IsFolder": False}
    return {}


def _rows(target: targets.Target) -> list[dict]:
    """The records of ``target`` that have a 1C key, as 1C rows (reverse of the mapping)."""
    model = target.model
    key = targets.key_field(model)
    refs: dict[str, dict] = {}  # the 1C keys of referenced records, by id or by copied value
    columns = [c for c in target.columns if c.default]  # the shipped mapping reads these
    for column in columns:
        if column.kind == targets.REF and column.to is not None:
            by = column.attr or "pk"
            ref_key = targets.key_field(column.to)
            refs[column.name] = dict(
                column.to._default_manager.exclude(**{ref_key: ""}).values_list(by, ref_key)
            )
    rows = []
    for record in model._default_manager.exclude(**{key: ""}).iterator(chunk_size=2000):
        row = {"Ref_Key": getattr(record, key), **_folder_flag(target)}
        archived = getattr(record, target.archive_field) if target.archive_field else False
        row["DeletionMark"] = bool(archived) if target.archived_value else not archived
        values = {}
        for column in columns:
            if column.kind == targets.REF:
                mine = (
                    getattr(record, column.attr)
                    if column.attr
                    else record.serializable_value(column.name)
                )
                values[column.name] = refs[column.name].get(mine, ZERO_GUID)
            elif column.kind == targets.CHOICE:
                theirs = {ours: their for their, ours in column.choices.items()}
                theirs.update(column.reverse)
                values[column.name] = theirs.get(getattr(record, column.name), "")
            else:
                value = getattr(record, column.name)
                values[column.name] = "" if value is None else str(value)
        # The first property of each field first, then its alternatives where still free.
        for position in (0, 1, 2):
            for column in columns:
                names = column.default.split("|")
                if position < len(names):
                    row.setdefault(names[position], values[column.name])
        row["DataVersion"] = _version(row)
        rows.append(row)
    return rows


def _documents(today: date | None = None) -> dict[str, list[dict]]:
    """Sales and a few returns for the demo's clients and dealers over the last five weeks,
    from a fixed random seed: about a quarter of the clients bought nothing (the nightly churn
    then shows them to their managers)."""
    from crm.catalog.models import Product
    from crm.clients.models import Organisation, OrganisationKind
    from crm.refs.models import PaymentForm

    today = today or timezone.localdate()
    rng = random.Random(20261130)  # noqa: S311 (demo data, not secrets)
    buyers = list(
        Organisation.objects.filter(is_archived=False)
        .exclude(erp_key="")
        .exclude(kind=OrganisationKind.SUB_DEALER)
        .order_by("erp_key")
        .values_list("erp_key", "kind")
    )
    goods = list(
        Product.objects.filter(is_active=True)
        .exclude(external_code="")
        .order_by("external_code")
        .values_list("external_code", flat=True)
    )
    forms = list(
        PaymentForm.objects.exclude(external_code="")
        .order_by("external_code")
        .values_list("external_code", flat=True)
    ) or [""]
    if not buyers or not goods:
        return {}
    sales, returns = [], []
    for erp_key, kind in buyers:
        if kind == OrganisationKind.CLIENT and rng.random() < 0.25:
            continue
        for _number in range(rng.randint(1, 3 if kind == OrganisationKind.CLIENT else 6)):
            rows = []
            for line in range(1, rng.randint(1, 4) + 1):
                quantity = rng.randint(1, 20)
                amount = round(quantity * rng.randint(500, 90000) / 10, 2)
                rows.append(
                    {
                        "LineNumber": str(line),
                        "Номенклатура_Key": rng.choice(goods),
                        "Количество": float(quantity),
                        "Сумма": round(amount / 1.2, 2),
                        "СуммаСНДС": amount,
                    }
                )
            bucket = sales
            if rng.random() < 0.05:  # a return of part of an earlier delivery
                bucket = returns
                rows = rows[:1]
            number = f"ДЕМО-{len(sales) + len(returns) + 1:06d}"
            day = today - timedelta(days=rng.randint(0, 34))
            doc = {
                "Ref_Key": f"DEMO-DOC-{number[5:]}",
                "DeletionMark": False,
                "Number": number,
                "Date": f"{day.isoformat()}T12:00:00",
                "Posted": True,
                "Контрагент_Key": erp_key,
                "ФормаОплаты": rng.choice(forms),
                "СуммаДокумента": round(sum(r["СуммаСНДС"] for r in rows), 2),
                "Товары": rows,
            }
            doc["DataVersion"] = _version(doc)
            bucket.append(doc)
    return {SALES: sales, RETURNS: returns}


def dataset_from_database() -> dict[str, list[dict]]:
    """Entity sets of a fake base that holds what the demo database holds (see the module)."""
    sets: dict[str, list[dict]] = {}
    for target in targets.TARGETS.values():
        if not target.sign:  # records; the documents are generated below
            sets.setdefault(target.entity_set, []).extend(_rows(target))
    sets.update(_documents())
    known = {row["Ref_Key"] for row in sets.get(ORGS, [])}
    fixed = demo_dataset()[ORGS]
    sets.setdefault(ORGS, []).extend(row for row in fixed if row["Ref_Key"] not in known)
    for rows in sets.values():  # every row of a set publishes the same properties
        names = {name for row in rows for name in row}
        for row in rows:
            for name in names - row.keys():
                row[name] = ZERO_GUID if name.endswith("_Key") else ""
    return sets


def seed(*, scale: str) -> dict[str, int]:
    """One sync of every target against the demo base (in-process fake): the admin shows real
    runs, and the demo's records stay as they are."""
    if scale != "ci" or SyncRun.objects.exists():
        return {"runs": 0}  # idempotent: the demo's first runs are there already
    sync.ensure_mappings()
    dataset = dataset_from_database()
    # The demo base publishes the extension's catalogs too, but only sets that hold rows (an
    # empty set has no properties to publish).
    for key, target in targets.TARGETS.items():
        Mapping.objects.filter(key=key).update(enabled=bool(dataset.get(target.entity_set)))
    dataset = {name: rows for name, rows in dataset.items() if rows}
    with FakeOneC(dataset) as fake:
        client = ODataClient(fake.url, fake.username, fake.password, retries=1)
        runs = sync.sync_all(client)
    from crm.sales import churn

    churned = churn.recompute()  # the sales just loaded show who stopped buying
    return {
        "churned": len(churned.churned),
        "runs": len(runs),
        "fetched": sum(r.fetched for r in runs.values()),
        "inserted": sum(r.inserted for r in runs.values()),
        "updated": sum(r.updated for r in runs.values()),
        "rejected": sum(r.rejected for r in runs.values()),
    }
