"""The sales ledger's vocabularies: the flow of a line, the period of a plan, the levels of
plan vs fact."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Flow(models.TextChoices):
    """Which movement a line records; sell-in and sell-out are never added together."""

    SELL_IN = "sell_in", _("Sell-in")  # we ship to a dealer (from the ERP)
    SELL_OUT = "sell_out", _("Sell-out")  # a dealer or sub-dealer sells on (reported)


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Level(models.TextChoices):
    """What one row of plan vs fact is about."""

    REGION = "region", _("Region")
    DEALER = "dealer", _("Dealer")
    OUTLET = "outlet", _("Outlet")
    PRODUCT_GROUP = "product_group", _("Product group")
