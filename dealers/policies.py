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
# Fields of an outlet a dealer's user may propose changes to. Dealers change no outlet (the row
# rule), so an editable field policy only lets them propose; approvers decide.
PROPOSABLE_OUTLET_FIELDS = ("name", "format", "status", "address", "phone", "opening_hours")

_CABINET_USERS = {
    "dealermembership": ("view", "change"),
    "dealerinvitation": ("view", "add", "change"),
}
_PROPOSALS = {"outletproposal": ("view", "add")}

DEFAULT_PERMISSIONS = {
    roles.ADMINISTRATOR: {
        "dealermembership": _ALL,
        "dealerinvitation": _ALL,
        "reportingperiod": (*_ALL, "reopen"),
        "salesreport": ("view",),
        "salesreportcell": ("view",),
        "saleentry": ("view",),
        "outletproposal": ("view",),
        "reportupload": ("view",),
    },
    roles.HEAD_OF_SALES: {
        "reportingperiod": ("view", "change", "reopen"),
        "salesreport": ("view",),
        "salesreportcell": ("view",),
        "saleentry": ("view",),
        "outletproposal": ("view",),
    },
    roles.REGIONAL_MANAGER: {"salesreport": ("view",), "salesreportcell": ("view",)},
    roles.SALES_MANAGER: {"salesreport": ("view",), "salesreportcell": ("view",)},
    roles.ANALYST: {"salesreport": ("view",), "salesreportcell": ("view",), "saleentry": ("view",)},
    roles.DEALER: {
        "salesreport": ("view", "add", "change"),
        "salesreportcell": ("view",),
        "saleentry": ("view", "add", "delete"),
        "reportupload": ("view", "add"),
        **_CABINET_USERS,
        **_PROPOSALS,
    },
    roles.SUB_DEALER: {"saleentry": ("view", "add", "delete"), **_CABINET_USERS, **_PROPOSALS},
}
# The codenames this release added (granted to existing roles by migration 0003).
NEW_PERMISSIONS = (
    "reopen_reportingperiod",
    *(f"{action}_dealerinvitation" for action in _ALL),
    *(f"{action}_outletproposal" for action in _ALL),
    *(f"{action}_reportupload" for action in _ALL),
    "change_dealermembership",
    "view_dealermembership",
)

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


# role → model label → fields the role may propose changes to (editable: see
# PROPOSABLE_OUTLET_FIELDS); set with the read-only ones, where the role has no policy yet.
DEFAULT_EDITABLE_POLICIES = {
    role: {"outlets.outlet": (*PROPOSABLE_OUTLET_FIELDS, "is_archived")}
    for role in (roles.DEALER, roles.SUB_DEALER)
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
        editable = DEFAULT_EDITABLE_POLICIES.get(role, {})
        created += len(
            FieldPolicy.objects.using(using).bulk_create(
                FieldPolicy(
                    model=model,
                    field=field,
                    role=group,
                    access=FieldAccess.EDITABLE
                    if field in editable.get(model, ())
                    else FieldAccess.READ_ONLY,
                )
                for model, fields in _with_editable(models, editable).items()
                if model not in existing
                for field in fields
            )
        )
    return created


def _with_editable(models: dict, editable: dict) -> dict:
    """The read-only fields of each model plus its editable ones, each once."""
    merged = {model: tuple(fields) for model, fields in models.items()}
    for model, fields in editable.items():
        merged[model] = (
            *merged.get(model, ()),
            *(f for f in fields if f not in merged.get(model, ())),
        )
    return merged


# --- dealers' proposals about outlets ---------------------------------------------------------

# A proposed new outlet is un-archived by its approval (dealers.models.OutletProposal).
PROPOSAL_RULE_FIELDS = (*PROPOSABLE_OUTLET_FIELDS, "is_archived")
# The approval rule that routes dealers' proposals; its name is data (Russian, as the demo's).
PROPOSAL_RULE_NAME = "Предложения дилеров по торговым точкам"


def ensure_outlet_proposal_rule(rule_model=None, step_model=None, content_type_model=None) -> bool:
    """The approval rule for outlet fields proposed by dealers and sub-dealers, unless a rule of
    that name exists (an administrator's edits stay): any one of the line manager of the
    outlet's field manager and the head of the unit covering its region approves (the
    administrators when neither exists). Returns whether it was created. The migration passes
    its historical models."""
    if rule_model is None:
        from django.contrib.contenttypes.models import ContentType

        from crm.approvals.models import ApprovalRule, ApprovalStep

        rule_model, step_model, content_type_model = ApprovalRule, ApprovalStep, ContentType
    if rule_model.objects.filter(name=PROPOSAL_RULE_NAME).exists():
        return False
    content_type, _created = content_type_model.objects.get_or_create(
        app_label="outlets", model="outlet"
    )
    rule = rule_model.objects.create(
        name=PROPOSAL_RULE_NAME,
        content_type_id=content_type.pk,
        fields=list(PROPOSAL_RULE_FIELDS),
        sources=["dealer", "sub_dealer"],
        mode="any",
        deadline_hours=72,
        order=200,
    )
    for order, relative in enumerate(("line_manager", "regional_manager"), start=1):
        step_model.objects.create(rule_id=rule.pk, order=order, relative=relative)
    return True
