from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "crm.stock"
    label = "stock"
    verbose_name = _("Stock")

    def ready(self):
        from crm.stock import access  # noqa: F401  (row rules)
