"""The sales ledger: one line per sale or return, its monthly roll-ups, and sales plans.

A line counts for one organisation (``SalesLine.organisation``): the seller of a sell-out line
(the dealer or sub-dealer who sold on), the buyer of a sell-in line (the dealer or client we
shipped to).
Plan vs fact, churn and the access rule all read that organisation; see docs/adr/0013.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.access import RestrictedQuerySet
from crm.core.audit import tracked
from crm.core.choices import Channel, Source
from crm.core.models import VersionedModel
from crm.sales import rollups
from crm.sales.choices import Flow, PeriodKind

SCOPE_COLUMNS = ("region", "org_unit", "owner", "dealer_id")


def _scope_copy(verbose_name):
    """A reference the ledger sets itself (a copy the triggers below keep, or who recorded a
    line): not editable, no constraint, no index of its own (composite ones in Meta)."""
    return {
        "verbose_name": verbose_name,
        "on_delete": models.DO_NOTHING,
        "db_constraint": False,
        "db_index": False,
        "null": True,
        "editable": False,
        "related_name": "+",
    }


# Every write of a line recomputes, whatever the writer sent: the organisation it counts for
# (the buyer of a sell-in line, the seller of a sell-out line), that organisation's scope
# (region, org unit, manager, and the dealer it falls under: its parent dealer, or itself),
# and the product group of the product. Organisations, products and outlets push later changes
# of these to the lines and plans (migration 0002).
_LINE_COPIES = """
    NEW.organisation_id := CASE WHEN NEW.flow = 'sell_in' THEN NEW.buyer_id ELSE NEW.seller_id END;
    SELECT o.region_id, o.org_unit_id, o.owner_id, COALESCE(o.parent_dealer_id, o.id)
    INTO NEW.region_id, NEW.org_unit_id, NEW.owner_id, NEW.dealer_id
    FROM clients_organisation o WHERE o.id = NEW.organisation_id;
    IF NEW.product_id IS NOT NULL THEN
        SELECT p.group_id INTO NEW.product_group_id FROM catalog_product p
        WHERE p.id = NEW.product_id;
    END IF;
    RETURN NEW;
"""


class SalesLine(models.Model):
    """One sale or return (negative quantity and amount) of a product or product group.

    Written only through ``crm.sales.services`` (upserts by source and external id), never in
    forms; not row-tracked: its provenance is the line itself (source, channel, external id,
    document, batch, who and when).
    """

    flow = models.CharField(_("flow"), max_length=10, choices=Flow.choices)
    date = models.DateField(_("date"))
    seller = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="sales_sold",
        help_text=_(
            "The dealer or sub-dealer who sold on; for sell-in, our own legal entity "
            "if it is recorded as an organisation."
        ),
    )
    buyer = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("buyer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="sales_bought",
        help_text=_("For sell-in: the dealer or client we shipped to."),
    )
    organisation = models.ForeignKey(
        "clients.Organisation",
        **_scope_copy(_("counts for")),
    )
    dealer_id = models.BigIntegerField(_("dealer"), null=True, editable=False)
    outlet = models.ForeignKey(
        "outlets.Outlet",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="sales_lines",
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    product_group = models.ForeignKey(
        "catalog.ProductGroup",
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
        help_text=_("The product's group when a product is given (set automatically)."),
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    payment_form = models.ForeignKey(
        "refs.PaymentForm",
        verbose_name=_("payment form"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    external_id = models.CharField(
        _("external id"),
        max_length=128,
        help_text=_("The line's key in its source; a line sent again with it is updated."),
    )
    document_key = models.CharField(_("document key"), max_length=64, blank=True)
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    document_row = models.CharField(_("document row"), max_length=20, blank=True)
    batch = models.CharField(
        _("batch"),
        max_length=64,
        blank=True,
        help_text=_("The sync run, import or report that last wrote the line."),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, **_scope_copy(_("recorded by")))
    region = models.ForeignKey("refs.Region", **_scope_copy(_("region")))
    org_unit = models.ForeignKey("accounts.OrgUnit", **_scope_copy(_("org unit")))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, **_scope_copy(_("manager")))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales line")
        verbose_name_plural = _("sales lines")
        permissions = [
            ("export_salesline", _("Can export sales lines")),
            ("import_salesline", _("Can import sales lines")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="sales_line_source_external_id"
            ),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="sales_line_external_id_given"
            ),
            models.CheckConstraint(
                condition=Q(flow=Flow.SELL_OUT, seller__isnull=False)
                | Q(flow=Flow.SELL_IN, buyer__isnull=False),
                name="sales_line_party_of_flow",
                violation_error_message=_(
                    "A sell-out line needs its seller, a sell-in line its buyer."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(quantity__gt=0, amount__lt=0) & ~Q(quantity__lt=0, amount__gt=0),
                name="sales_line_signs_agree",
                violation_error_message=_(
                    "Quantity and amount have opposite signs: a return is negative in both."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "flow", "date"], name="sales_line_org_flow_date"),
            models.Index(fields=["dealer_id", "date"], name="sales_line_dealer_date"),
            models.Index(fields=["region", "date"], name="sales_line_region_date"),
            models.Index(fields=["org_unit", "date"], name="sales_line_org_unit_date"),
            models.Index(fields=["owner", "date"], name="sales_line_owner_date"),
            models.Index(
                fields=["outlet", "date"],
                name="sales_line_outlet_date",
                condition=Q(outlet__isnull=False),
            ),
            # Deleting an organisation or product checks its lines (PROTECT); product group
            # changes are pushed to the lines by product.
            models.Index(
                fields=["seller"], name="sales_line_seller", condition=Q(seller__isnull=False)
            ),
            models.Index(
                fields=["buyer"], name="sales_line_buyer", condition=Q(buyer__isnull=False)
            ),
            models.Index(
                fields=["product"], name="sales_line_product", condition=Q(product__isnull=False)
            ),
            # The 1C sync replaces a re-posted document's lines and removes unposted ones.
            models.Index(
                fields=["source", "document_key"],
                name="sales_line_document",
                condition=~Q(document_key=""),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="sales_line_copies",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=_LINE_COPIES,
            ),
            pgtrigger.Trigger(
                name="sales_line_rollup_insert",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="new_values"),
                func=rollups.on_insert_sql(),
            ),
            pgtrigger.Trigger(
                name="sales_line_rollup_update",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(old="old_values", new="new_values"),
                declare=[("emptied", "bigint[]")],
                func=rollups.on_update_sql(),
            ),
            pgtrigger.Trigger(
                name="sales_line_rollup_delete",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                referencing=pgtrigger.Referencing(old="old_values"),
                declare=[("emptied", "bigint[]")],
                func=rollups.on_delete_sql(),
            ),
        ]

    def __str__(self):
        return f"{self.external_id} · {self.date} · {self.amount}"

    @property
    def is_return(self) -> bool:
        return self.quantity < 0 or self.amount < 0


class RegionSums(models.Model):
    """A roll-up row: sums of the ledger's lines per month and key (crm.sales.rollups keeps
    them; nobody else writes here). Ids are plain numbers, not relations: the rows are derived,
    a merge of organisations moves the lines and the triggers move these."""

    month = models.DateField(_("month"))
    flow = models.CharField(_("flow"), max_length=10, choices=Flow.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    region_id = models.BigIntegerField(_("region"), null=True)
    product_group_id = models.BigIntegerField(_("product group"))
    quantity = models.DecimalField(_("quantity"), max_digits=20, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=20, decimal_places=2)
    line_count = models.IntegerField(_("lines"))

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True
        default_permissions = ("view",)


class MonthlySums(RegionSums):
    """A roll-up row of one organisation (and the dealer it falls under)."""

    organisation_id = models.BigIntegerField(_("organisation"))
    dealer_id = models.BigIntegerField(_("dealer"), null=True)
    org_unit_id = models.BigIntegerField(_("org unit"), null=True)
    owner_id = models.BigIntegerField(_("manager"), null=True)

    class Meta(RegionSums.Meta):
        abstract = True


_SCOPE_COLUMNS = (
    ("organisation_id", "org"),
    ("dealer_id", "dealer"),
    ("region_id", "region"),
    ("org_unit_id", "unit"),
    ("owner_id", "owner"),
)


def _scope_indexes(prefix: str, columns=_SCOPE_COLUMNS) -> list[models.Index]:
    return [
        models.Index(fields=[column, "month"], name=f"{prefix}_{name}") for column, name in columns
    ]


class SalesMonth(MonthlySums):
    """Monthly sums per organisation × product group (region and dealer reports)."""

    class Meta(MonthlySums.Meta):
        verbose_name = _("monthly sales")
        verbose_name_plural = _("monthly sales")
        constraints = [
            models.UniqueConstraint(
                fields=rollups.key_columns("sales_salesmonth"),
                name="sales_month_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            *_scope_indexes(
                "sales_month", [item for item in _SCOPE_COLUMNS if item[0] != "dealer_id"]
            ),
            # A dealer's network per member (the cabinet's home; staff reports by dealer):
            # read from the index alone. A big dealer's rows are spread over as many heap
            # pages as there are rows (2,016 rows, 1,968 pages, 3.9 ms; from the index,
            # 1.0 ms at 10,000,000 ledger lines).
            models.Index(
                fields=["dealer_id", "month"],
                include=["flow", "organisation_id", "quantity", "amount", "line_count"],
                name="sales_month_dealer",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.flow} · {self.organisation_id}"


class SalesMonthOutlet(MonthlySums):
    """Monthly sums per organisation × outlet × product group (outlet drill-downs); lines
    without an outlet are summed under an empty outlet."""

    outlet_id = models.BigIntegerField(_("outlet"), null=True)

    class Meta(MonthlySums.Meta):
        verbose_name = _("monthly sales by outlet")
        verbose_name_plural = _("monthly sales by outlet")
        constraints = [
            models.UniqueConstraint(
                fields=rollups.key_columns("sales_salesmonthoutlet"),
                name="sales_month_outlet_key",
                nulls_distinct=False,
            )
        ]
        indexes = [
            *_scope_indexes("sales_month_outlet"),
            models.Index(fields=["outlet_id", "month"], name="sales_month_outlet_outlet"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.flow} · {self.outlet_id}"


class SalesMonthRegion(RegionSums):
    """Monthly sums per region × product group: the company-wide region and product group
    reports (the head of sales, analysts), read without going through every organisation.
    Seen under the monthly sums' permission and rule, by users whose rule names no
    organisation, manager or org unit (crm.sales.access)."""

    class Meta(RegionSums.Meta):
        verbose_name = _("monthly sales by region")
        verbose_name_plural = _("monthly sales by region")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=rollups.key_columns("sales_salesmonthregion"),
                name="sales_month_region_key",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["month", "flow"], name="sales_month_region_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} · {self.flow} · {self.region_id}"


@tracked()
class DealerSegment(VersionedModel):
    """A saved segment of dealers: a named group of dealer (and sub-dealer) organisations that
    gets plans of its own, compared with the sum of its members' facts (crm.sales.segments).

    Members are listed explicitly, so the segment means the same organisations to everyone who
    reads its plan; its scope is its manager and org unit, like a client's.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        "clients.Organisation",
        verbose_name=_("dealers"),
        blank=True,
        related_name="dealer_segments",
        help_text=_("The dealers and sub-dealers in the segment."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dealer segment")
        verbose_name_plural = _("dealer segments")
        ordering = ["name", "id"]
        triggers = [
            # A segment's plans copy its manager and org unit (their scope): push a change.
            pgtrigger.Trigger(
                name="sales_segment_scope_to_plans",
                when=pgtrigger.After,
                operation=pgtrigger.UpdateOf("owner_id", "org_unit_id"),
                condition=pgtrigger.Q(old__owner__df=pgtrigger.F("new__owner"))
                | pgtrigger.Q(old__org_unit__df=pgtrigger.F("new__org_unit")),
                func="UPDATE sales_plan SET owner_id = NEW.owner_id, org_unit_id = "
                "NEW.org_unit_id WHERE segment_id = NEW.id; RETURN NULL;",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sales:dealersegment_detail", args=[self.pk])


# A plan's organisation is its target organisation, or the dealer of its target outlet; its
# scope is that organisation's (as for lines), a segment's (its org unit and manager), or the
# target region or org unit itself.
_PLAN_COPIES = """
    IF NEW.outlet_id IS NOT NULL THEN
        SELECT o.dealer_id INTO NEW.organisation_id FROM outlets_outlet o
        WHERE o.id = NEW.outlet_id;
    END IF;
    IF NEW.organisation_id IS NOT NULL THEN
        SELECT o.region_id, o.org_unit_id, o.owner_id, COALESCE(o.parent_dealer_id, o.id)
        INTO NEW.region_id, NEW.org_unit_id, NEW.owner_id, NEW.dealer_id
        FROM clients_organisation o WHERE o.id = NEW.organisation_id;
    ELSIF NEW.segment_id IS NOT NULL THEN
        SELECT s.org_unit_id, s.owner_id INTO NEW.org_unit_id, NEW.owner_id
        FROM sales_dealersegment s WHERE s.id = NEW.segment_id;
        NEW.region_id := NULL;
        NEW.dealer_id := NULL;
    ELSE
        NEW.region_id := NEW.target_region_id;
        NEW.org_unit_id := NEW.target_org_unit_id;
        NEW.owner_id := NULL;
        NEW.dealer_id := NULL;
    END IF;
    RETURN NEW;
"""
_PERIOD_END = RawSQL(
    "(period_start + CASE period_kind WHEN 'month' THEN interval '1 month' "
    "WHEN 'quarter' THEN interval '3 months' ELSE interval '1 year' END)::date - 1",
    (),
)
_TARGETS = ("outlet", "organisation", "target_region", "target_org_unit", "segment")


def _only(target: str, *also: str) -> Q:
    """The target columns: ``target`` (and ``also``) set, every other one empty."""
    given = {target, *also}
    return Q(**{f"{name}__isnull": name not in given for name in _TARGETS})


# An outlet's plan carries the outlet's dealer as its organisation (set by the trigger).
_ONE_TARGET = (
    _only("outlet", "organisation")
    | _only("outlet")
    | _only("organisation")
    | _only("target_region")
    | _only("target_org_unit")
    | _only("segment")
)


@tracked(exclude=[*SCOPE_COLUMNS, "period_end"])
class Plan(VersionedModel):
    """Planned quantity and amount of one flow for a period × target × product group.

    The target is exactly one of: an outlet, an organisation (a dealer), a region, an org unit,
    a saved segment of dealers.
    """

    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(
        _("period start"), help_text=_("The first day of the month, quarter or year.")
    )
    period_end = models.GeneratedField(
        expression=_PERIOD_END,
        output_field=models.DateField(_("period end")),
        db_persist=True,
    )
    flow = models.CharField(_("flow"), max_length=10, choices=Flow.choices)
    outlet = models.ForeignKey(
        "outlets.Outlet",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="sales_plans",
    )
    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="sales_plans",
        help_text=_(
            "A dealer's plan; for an outlet's plan, the outlet's dealer (set automatically)."
        ),
    )
    target_region = models.ForeignKey(
        "refs.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        help_text=_("A region's own plan."),
    )
    target_org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        help_text=_("An org unit's own plan."),
    )
    segment = models.ForeignKey(
        DealerSegment,
        verbose_name=_("dealer segment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="plans",
        help_text=_("A saved segment's own plan."),
    )
    product_group = models.ForeignKey(
        "catalog.ProductGroup",
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=3, default=0)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=0)
    region = models.ForeignKey("refs.Region", **_scope_copy(_("region of the scope")))
    org_unit = models.ForeignKey("accounts.OrgUnit", **_scope_copy(_("org unit of the scope")))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, **_scope_copy(_("manager")))
    dealer_id = models.BigIntegerField(_("dealer"), null=True, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales plan")
        verbose_name_plural = _("sales plans")
        ordering = ["-period_start", "id"]
        permissions = [
            ("export_plan", _("Can export sales plans")),
            ("import_plan", _("Can import sales plans")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "period_kind",
                    "period_start",
                    "flow",
                    "product_group",
                    "outlet",
                    "organisation",
                    "target_region",
                    "target_org_unit",
                    "segment",
                ],
                name="sales_plan_key",
                nulls_distinct=False,
                violation_error_message=_(
                    "This target already has a plan for this period, flow and product group."
                ),
            ),
            models.CheckConstraint(
                condition=_ONE_TARGET,
                name="sales_plan_one_target",
                violation_error_message=_(
                    "Choose exactly one target: an outlet, an organisation, a region, an "
                    "org unit or a dealer segment."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_start__day=1)
                & (
                    Q(period_kind=PeriodKind.MONTH)
                    | Q(period_kind=PeriodKind.QUARTER, period_start__month__in=[1, 4, 7, 10])
                    | Q(period_kind=PeriodKind.YEAR, period_start__month=1)
                ),
                name="sales_plan_period_start",
                violation_error_message=_(
                    "A plan starts on the first day of its month, quarter or year."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, amount__gte=0),
                name="sales_plan_not_negative",
                violation_error_message=_("A plan is not negative."),
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "period_start"],
                name="sales_plan_org",
                condition=Q(organisation__isnull=False),
            ),
            models.Index(
                fields=["outlet", "period_start"],
                name="sales_plan_outlet",
                condition=Q(outlet__isnull=False),
            ),
            models.Index(
                fields=["target_region", "period_start"],
                name="sales_plan_target_region",
                condition=Q(target_region__isnull=False),
            ),
            models.Index(
                fields=["target_org_unit", "period_start"],
                name="sales_plan_target_unit",
                condition=Q(target_org_unit__isnull=False),
            ),
            models.Index(
                fields=["segment", "period_start"],
                name="sales_plan_segment",
                condition=Q(segment__isnull=False),
            ),
            models.Index(fields=["region", "period_start"], name="sales_plan_region"),
            models.Index(fields=["org_unit", "period_start"], name="sales_plan_unit"),
            models.Index(fields=["owner", "period_start"], name="sales_plan_owner"),
            models.Index(fields=["dealer_id", "period_start"], name="sales_plan_dealer"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="sales_plan_copies",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=_PLAN_COPIES,
            )
        ]

    def __str__(self):
        return f"{self.get_period_kind_display()} {self.period_start:%Y-%m} · {self.target}"

    @property
    def target(self):
        """The outlet, organisation, region, org unit or segment the plan is for."""
        if self.outlet_id:
            return self.outlet
        return self.organisation or self.target_region or self.target_org_unit or self.segment

    def clean(self):
        # An outlet's plan belongs to the outlet's dealer (the trigger sets it too); filled in
        # here so that the one-target check sees what will be saved.
        if self.outlet_id:
            self.organisation_id = self.outlet.dealer_id
