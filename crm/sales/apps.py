from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "crm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from crm.core.generic import detail
        from crm.sales import access, churn, digest  # noqa: F401  (row rules; notification events)

        detail.register_card_panel("sales/includes/kpi_panel.html", kpi_panel)


def kpi_panel(user, obj) -> dict | None:
    """The organisation card's purchases panel (client KPIs from the ledger)."""
    from crm.clients.models import Organisation
    from crm.sales.kpis import client_kpis

    return client_kpis(user, obj) if isinstance(obj, Organisation) else None
