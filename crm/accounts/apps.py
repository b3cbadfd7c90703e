from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "crm.accounts"
    label = "accounts"
    verbose_name = _("Organisation and people")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from crm.accounts.scopes import reset_prepared
        from crm.accounts.signals import grant_default_permissions

        # After auth's own handler has created the permissions of every app.
        post_migrate.connect(grant_default_permissions, dispatch_uid="crm_default_permissions")
        # A new database session has no prepared scope query yet.
        connection_created.connect(reset_prepared, dispatch_uid="crm_scope_prepared")
