"""What the dealer roles get by default so that the cabinet works for them.

- The dealers app's model permissions join the standard roles' defaults
  (``crm.accounts.roles.DEFAULT_PERMISSIONS``, registered at start-up), so
  crm.accounts.signals.grant_default_permissions grants them after every migrate, to roles that
  have none of this app's yet, like every other app's.
- Field policies stay data (docs/adr/0005): outside roles see no field without one, so a fresh
  installation shows dealers their rows but no figures until an administrator sets the
  policies in the admin's matrix. ``grant_default_field_policies`` sets the read-only ones the
  cabinet needs (their organisation, outlets, sales lines and, for dealers, plans) where the
  role has no policy of that model yet; the demo calls it, and so may an administrator
  (``manage.py shell -c "from dealers.policies import *; grant_default_field_policies()"``).
"""

from django.contrib.auth.models import Group

from crm.accounts import roles
from crm.accounts.models import FieldAccess, FieldPolicy

_ALL = ("view", "add", "change", "delete")

DEFAULT_PERMISSIONS = {
    roles.ADMINISTRATOR: {
        "dealermembership": _ALL,
        "reportingperiod": _ALL,
        "salesreport": ("view",),
        "salesreportcell": ("view",),
        "saleentry": ("view",),
    },
    roles.HEAD_OF_SALES: {
        "reportingperiod": ("view", "change"),
        "salesreport": ("view",),
        "salesreportcell": ("view",),
        "saleentry": ("view",),
    },
    roles.REGIONAL_MANAGER: {"salesreport": ("view",), "salesreportcell": ("view",)},
    roles.SALES_MANAGER: {"salesreport": ("view",), "salesreportcell": ("view",)},
    roles.ANALYST: {"salesreport": ("view",), "salesreportcell": ("view",), "saleentry": ("view",)},
    roles.DEALER: {
        "salesreport": ("view", "add", "change"),
        "salesreportcell": ("view",),
        "saleentry": ("view", "add", "delete"),
    },
    roles.SUB_DEALER: {"saleentry": ("view", "add", "delete")},
}

_ORGANISATION = ("name", "legal_name", "kind", "parent_dealer", "inn")
_OUTLET = ("dealer", "name", "format", "status", "address", "region", "phone", "opening_hours")
_LINE = ("flow", "date", "seller", "outlet", "product", "product_group", "quantity", "amount")
_PLAN = ("period_kind", "period_start", "flow", "outlet", "organisation", "product_group")

# role → model label → fields the role reads (read-only) in the cabinet
DEFAULT_FIELD_POLICIES = {
    roles.DEALER: {
        "clients.organisation": _ORGANISATION,
        "outlets.outlet": _OUTLET,
        "sales.salesline": _LINE,
        "sales.plan": (*_PLAN, "quantity", "amount"),
    },
    roles.SUB_DEALER: {
        "clients.organisation": _ORGANISATION,
        "outlets.outlet": _OUTLET,
        "sales.salesline": _LINE,
    },
}


def register_default_permissions() -> None:
    """Make the dealers app's defaults part of the standard roles' defaults (start-up)."""
    roles.DEFAULT_PERMISSIONS.setdefault("dealers", DEFAULT_PERMISSIONS)


def grant_default_field_policies(using: str = "default") -> int:
    """Read-only policies for the dealer roles on each model of DEFAULT_FIELD_POLICIES where
    the role has no policy of that model yet (an administrator's choices stay). Returns how
    many were created."""
    created = 0
    for role, models in DEFAULT_FIELD_POLICIES.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        existing = set(
            FieldPolicy.objects.using(using).filter(role=group).values_list("model", flat=True)
        )
        created += len(
            FieldPolicy.objects.using(using).bulk_create(
                FieldPolicy(model=model, field=field, role=group, access=FieldAccess.READ_ONLY)
                for model, fields in models.items()
                if model not in existing
                for field in fields
            )
        )
    return created
