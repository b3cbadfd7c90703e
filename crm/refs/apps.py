from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RefsConfig(AppConfig):
    name = "crm.refs"
    label = "refs"
    verbose_name = _("Dictionaries")

    def ready(self):
        from crm.refs import access  # noqa: F401  (registers the row rules)
