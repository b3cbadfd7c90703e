from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealersConfig(AppConfig):
    name = "dealers"
    label = "dealers"
    verbose_name = _("Dealer cabinet")

    def ready(self):
        from dealers import access, checks, navigation, notify, policies  # noqa: F401  (rules; checks; events)

        policies.register_default_permissions()
        navigation.add_cabinet_menu()
