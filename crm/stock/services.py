"""Writes of the stock app: a dealer's warehouses and the balances in them.

Each function takes the acting user and checks what they may do through the one access policy
(``restrict(user, "change")``): a user changes only the warehouses and balances of their own
organisation. Balances entered in a form carry the version each row had when the form was opened;
if any of them changed since, nothing is written and ``StockChanged`` says what changed. The XLSX
upload goes through the import wizard's engine (crm.stock.imports).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import access
from crm.core.records import FieldChange, RecordError, StaleRecord, access_denied
from crm.stock.choices import StockSource
from crm.stock.models import DealerWarehouse, StockBalance

NAME_TAKEN = _("You already have a warehouse with this name: choose another name.")


class StockChanged(StaleRecord):
    """Someone changed balances of this warehouse after the form was opened; nothing written."""

    def __init__(self, changes: list[FieldChange], by: str = "", at=None):
        super().__init__(None, changes, by, at)
        self.message = _(
            "Someone changed balances of this warehouse after you opened the form. Nothing was "
            "saved: your figures are kept in the form. Check them against the changes below and "
            "save again."
        )


@dataclass(frozen=True)
class EntryResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _require(actor, model, action: str) -> None:
    if not actor.has_perm(access.permission_name(model, action)):
        raise access_denied()


def _own_warehouse(actor, warehouse_id: int, *, lock: bool = False) -> DealerWarehouse:
    queryset = access.restrict(DealerWarehouse.objects.all(), actor, "change")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    found = queryset.filter(pk=warehouse_id).first()
    if found is None:
        raise access_denied()
    return found


def _check_name_free(organisation_id: int, name: str, exclude_pk=None) -> None:
    taken = (
        DealerWarehouse.objects.annotate(lower_name=Lower("name"))
        .filter(organisation_id=organisation_id, lower_name=name.lower())
        .exclude(pk=exclude_pk)
    )
    if taken.exists():
        raise RecordError(NAME_TAKEN)


def warehouse_create(actor, *, organisation, name: str, address: str = "") -> DealerWarehouse:
    """A new warehouse of the actor's own organisation."""
    _require(actor, DealerWarehouse, "add")
    name = " ".join(name.split())
    with transaction.atomic():
        warehouse = DealerWarehouse(organisation=organisation, name=name, address=address.strip())
        try:
            warehouse.full_clean()
        except ValidationError as error:
            raise RecordError(" ".join(error.messages)) from None
        _check_name_free(organisation.pk, name)
        try:
            with transaction.atomic():
                warehouse.save()
        except IntegrityError:  # the same name saved at the same moment
            raise RecordError(NAME_TAKEN) from None
        # The new row must be one the actor may change: their own organisation's.
        _own_warehouse(actor, warehouse.pk)
    return warehouse


def warehouse_update(
    actor, warehouse: DealerWarehouse, *, data: dict, expected_version: int
) -> DealerWarehouse:
    """Rename, re-address, deactivate or reactivate one of the actor's own warehouses."""
    _require(actor, DealerWarehouse, "change")
    with transaction.atomic():
        locked = _own_warehouse(actor, warehouse.pk, lock=True)
        if locked.version != expected_version:
            raise StaleRecord(locked, [])
        values = {
            "name": " ".join(data["name"].split()),
            "address": data.get("address", "").strip(),
            "is_active": bool(data.get("is_active")),
        }
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        if "name" in changed:
            _check_name_free(locked.organisation_id, values["name"], exclude_pk=locked.pk)
        for name in changed:
            setattr(locked, name, values[name])
        locked.version += 1
        locked.updated_at = timezone.now()
        try:
            locked.full_clean()
        except ValidationError as error:
            raise RecordError(" ".join(error.messages)) from None
        locked.save(update_fields=[*changed, "version", "updated_at"])
    return locked


def balances_set(
    actor,
    *,
    warehouse: DealerWarehouse,
    quantities: dict[int, Decimal],
    versions: dict[int, int],
    as_of: date,
    source: str = StockSource.ENTERED,
) -> EntryResult:
    """Set the balance of each product in ``quantities`` in one of the actor's warehouses.

    ``versions`` maps each product to its balance's version when the form was opened (0: there
    was none). All or nothing: a negative quantity, an inactive warehouse, or a balance changed
    since the form was opened writes nothing.
    """
    _require(actor, StockBalance, "change")
    if any(quantity < 0 for quantity in quantities.values()):
        raise RecordError(_("A stock balance is not negative: enter 0 or more."))
    if as_of > timezone.localdate():
        raise RecordError(_("The date of the balances cannot be in the future."))
    with transaction.atomic():
        locked = _own_warehouse(actor, warehouse.pk, lock=True)
        if not locked.is_active:
            raise RecordError(_("This warehouse is inactive: make it active to enter balances."))
        current = {
            balance.product_id: balance
            for balance in StockBalance.objects.select_for_update(of=("self",))
            .filter(warehouse=locked, product_id__in=list(quantities))
            .select_related("product", "updated_by")
        }
        _check_not_changed(current, quantities, versions)
        creates = [pk for pk in quantities if pk not in current]
        if creates:
            _require(actor, StockBalance, "add")
        return _write(actor, locked, current, quantities, as_of, source)


def _check_not_changed(current, quantities, versions) -> None:
    changes, last = [], None
    for product_id in quantities:
        balance = current.get(product_id)
        seen = versions.get(product_id, 0)
        if (balance.version if balance else 0) == seen:
            continue
        if balance is None:  # removed since: cannot happen through the cabinet, but say so
            continue
        changes.append(
            FieldChange(
                f"p-{product_id}",
                f"{balance.product.name} ({balance.product.sku})",
                None,
                balance.quantity,
                value=balance.version,
            )
        )
        if last is None or balance.updated_at > last.updated_at:
            last = balance
    if changes:
        by = str(last.updated_by) if last.updated_by else ""
        raise StockChanged(changes, by=by, at=last.updated_at)


def _write(actor, warehouse, current, quantities, as_of, source) -> EntryResult:
    now = timezone.now()
    created = updated = unchanged = 0
    new_rows = []
    for product_id, quantity in quantities.items():
        balance = current.get(product_id)
        if balance is None:
            new_rows.append(
                StockBalance(
                    warehouse=warehouse,
                    product_id=product_id,
                    quantity=quantity,
                    as_of=as_of,
                    source=source,
                    updated_by=actor,
                )
            )
            continue
        if balance.quantity == quantity and balance.as_of == as_of:
            unchanged += 1
            continue
        balance.quantity, balance.as_of, balance.source = quantity, as_of, source
        balance.updated_by, balance.version, balance.updated_at = actor, balance.version + 1, now
        balance.save(
            update_fields=["quantity", "as_of", "source", "updated_by", "version", "updated_at"]
        )
        updated += 1
    if new_rows:
        StockBalance.objects.bulk_create(new_rows)
        created = len(new_rows)
    return EntryResult(created=created, updated=updated, unchanged=unchanged)
