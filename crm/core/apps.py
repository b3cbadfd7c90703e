from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from crm.core import rules, signals  # noqa: F401  (row rules; worker heartbeat)
