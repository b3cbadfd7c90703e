from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutletsConfig(AppConfig):
    name = "crm.outlets"
    label = "outlets"
    verbose_name = _("Outlets")

    def ready(self):
        from django.db.models.signals import post_save

        from crm.outlets import access, checks, search  # noqa: F401  (rules; checks; search)
        from crm.outlets.models import Outlet
        from crm.outlets.services import locate_changed_address

        post_save.connect(locate_changed_address, sender=Outlet, dispatch_uid="outlet_locate")
