"""Import specs of the sales app, discovered by the import wizard (crm.core.imports)."""

from crm.sales.plan_import import PLANS  # noqa: F401
