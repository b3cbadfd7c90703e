from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutletsConfig(AppConfig):
    name = "crm.outlets"
    label = "outlets"
    verbose_name = _("Outlets")

    def ready(self):
        from crm.outlets import access, search  # noqa: F401  (row rules; the global search)
