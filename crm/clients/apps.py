from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "crm.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self):
        from crm.clients import access, services  # noqa: F401  (row rules; notification events)
