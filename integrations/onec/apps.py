from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OneCConfig(AppConfig):
    name = "integrations.onec"
    label = "onec"
    verbose_name = _("1C integration")

    def ready(self):
        from integrations.onec import notify  # noqa: F401 (registers the notification event)
