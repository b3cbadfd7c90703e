from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "crm.catalog"
    label = "catalog"
    verbose_name = _("Catalogue")

    def ready(self):
        from crm.catalog import access, search  # noqa: F401  (row rules; the global search)
