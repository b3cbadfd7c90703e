from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from crm.core import rules, signals, third_party, trigger_functions  # noqa: F401  (row rules; heartbeat)

        third_party.name_in_our_languages()
        third_party.describe_crontabs_in_our_languages()

        # After every app's post_migrate, so that ours replaces the functions that pgtrigger
        # and pghistory re-create when they install triggers (see trigger_functions).
        post_migrate.connect(
            trigger_functions.install_after_migrate, dispatch_uid="crm.core.trigger_functions"
        )
