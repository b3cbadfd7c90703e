"""Stock of dealers and sub-dealers: their own warehouses and the balance of each product in each
of them (glossary: Stock, "остатки").

These are the dealers' warehouses, not ours: our company's warehouses are a dictionary synced
from 1C (crm.refs.Warehouse). A dealer's or sub-dealer's user keeps the warehouses of their own
organisation and states the balances in them (a form or an XLSX file in the cabinet); the dealer
also sees its sub-dealers' stock; staff read the stock of the organisations in their scope.

A balance carries copies of its organisation's scope (region, org unit, manager and the dealer it
falls under) and of its product's group, kept by database triggers, so that the row rule and the
filters read indexed columns of one table (as the sales ledger does, docs/adr/0013).
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.clients.models import DEALER_KINDS
from crm.core.access import RestrictedQuerySet
from crm.core.audit import tracked
from crm.core.models import VersionedModel
from crm.stock.choices import StockSource

# Copies the triggers keep; not part of the audit trail (they follow the organisation).
SCOPE_COLUMNS = ("organisation", "dealer_id", "region", "org_unit", "owner", "product_group")


def _copy(verbose_name):
    """A reference the database keeps (a copy of the organisation's or product's): not
    editable, no constraint, no index of its own (composite ones in Meta)."""
    return {
        "verbose_name": verbose_name,
        "on_delete": models.DO_NOTHING,
        "db_constraint": False,
        "db_index": False,
        "null": True,
        "editable": False,
        "related_name": "+",
    }


@tracked()
class DealerWarehouse(VersionedModel):
    """A warehouse of a dealer or sub-dealer, kept by the organisation's own users."""

    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="stock_warehouses",
        limit_choices_to={"kind__in": DEALER_KINDS},
        help_text=_("The dealer or sub-dealer whose warehouse this is."),
    )
    name = models.CharField(_("name"), max_length=150)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive warehouse keeps its history but takes no new balances."),
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dealer warehouse")
        verbose_name_plural = _("dealer warehouses")
        ordering = ["organisation_id", "name"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("name"),
                name="stock_warehouse_name_per_organisation",
                violation_error_message=_("This organisation already has a warehouse so named."),
            ),
        ]
        triggers = [
            # A warehouse moved to another organisation (in the admin) takes its balances along.
            pgtrigger.Trigger(
                name="stock_warehouse_moves_balances",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("organisation_id"),
                condition=pgtrigger.Q(old__organisation__df=pgtrigger.F("new__organisation")),
                func="""
                    UPDATE stock_stockbalance SET organisation_id = NEW.organisation_id
                    WHERE warehouse_id = NEW.id;
                    RETURN NULL;
                """,
            )
        ]

    def __str__(self):
        return self.name


# Every write of a balance recomputes the copies, whatever the writer sent.
_BALANCE_COPIES = """
    SELECT w.organisation_id INTO NEW.organisation_id
    FROM stock_dealerwarehouse w WHERE w.id = NEW.warehouse_id;
    SELECT o.region_id, o.org_unit_id, o.owner_id, COALESCE(o.parent_dealer_id, o.id)
    INTO NEW.region_id, NEW.org_unit_id, NEW.owner_id, NEW.dealer_id
    FROM clients_organisation o WHERE o.id = NEW.organisation_id;
    SELECT p.group_id INTO NEW.product_group_id FROM catalog_product p WHERE p.id = NEW.product_id;
    RETURN NEW;
"""


@tracked(exclude=list(SCOPE_COLUMNS))
class StockBalance(VersionedModel):
    """How many of a product are in one dealer warehouse, as of a date, and who said so."""

    warehouse = models.ForeignKey(
        DealerWarehouse,
        verbose_name=_("warehouse"),
        on_delete=models.PROTECT,
        related_name="balances",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    as_of = models.DateField(_("as of"), default=timezone.localdate)
    source = models.CharField(
        _("source"), max_length=10, choices=StockSource.choices, default=StockSource.ENTERED
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    organisation = models.ForeignKey("clients.Organisation", **_copy(_("organisation")))
    dealer_id = models.BigIntegerField(_("dealer"), null=True, editable=False)
    region = models.ForeignKey("refs.Region", **_copy(_("region")))
    org_unit = models.ForeignKey("accounts.OrgUnit", **_copy(_("org unit")))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, **_copy(_("manager")))
    product_group = models.ForeignKey("catalog.ProductGroup", **_copy(_("product group")))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["organisation_id", "warehouse_id", "product_id"]
        permissions = [
            ("export_stockbalance", _("Can export stock balances")),
            ("import_stockbalance", _("Can import stock balances")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "product"],
                name="stock_balance_per_warehouse_product",
                violation_error_message=_("This warehouse already has a balance of this product."),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0),
                name="stock_balance_not_negative",
                violation_error_message=_("A stock balance is not negative."),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "product_group"], name="stock_balance_org"),
            models.Index(fields=["dealer_id"], name="stock_balance_dealer"),
            models.Index(fields=["region"], name="stock_balance_region"),
            models.Index(fields=["org_unit"], name="stock_balance_org_unit"),
            models.Index(fields=["owner"], name="stock_balance_owner"),
            models.Index(fields=["product"], name="stock_balance_product"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="stock_balance_copies",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=_BALANCE_COPIES,
            )
        ]

    def __str__(self):
        return f"{self.warehouse} · {self.product}: {self.quantity}"

    def get_absolute_url(self) -> str:
        """The staff page of the organisation's stock (a balance has no card of its own)."""
        return reverse("stock:organisation_stock", args=[self.organisation_id])
