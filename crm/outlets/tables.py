"""Columns of the outlet list."""

from django.utils.translation import gettext_lazy as _

from crm.clients import requisites
from crm.core.tables import Column, Table, owner_column
from crm.outlets.models import Outlet


class OutletTable(Table):
    model = Outlet
    select_related = ("dealer", "region", "owner", "format")
    columns = [
        Column("name", link=True),
        Column("dealer", accessor="dealer.name", sort="dealer__name"),
        Column("format", accessor="format.name", default=False),
        Column("status"),
        Column("region", accessor="region.name", sort="region__code"),
        Column("address"),
        owner_column(),
        Column(
            "phone",
            render=lambda o: requisites.format_phone(o.phone) if o.phone else "",
            default=False,
            css="text-nowrap",
        ),
        Column("shelf_share", default=False),
        Column("erp_key", default=False),
        Column("updated_at", label=_("Changed"), sort="updated_at", default=False),
    ]
