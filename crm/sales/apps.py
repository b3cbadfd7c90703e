from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "crm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from crm.sales import access  # noqa: F401  (row rules)
