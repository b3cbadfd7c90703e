from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "crm.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self):
        # Row rules, notification events, the global search.
        from crm.clients import access, search, services  # noqa: F401
