"""Row rules of the core's own user-visible models (crm.core.access)."""

from django.db.models import Q

from crm.core import access
from crm.core.models import ExportLog, SavedView


@access.register(SavedView)
class SavedViewAccess(access.ModelAccess):
    """A saved view belongs to the user who saved it."""

    requires_permission = False
    policy_fields = ()

    def view(self, scope, f):
        return Q(**{f("user_id"): scope.user_id})


@access.register(ExportLog)
class ExportLogAccess(access.ModelAccess):
    """People follow their own exports; administrators read the whole log in admin."""

    requires_permission = False
    policy_fields = ()

    def view(self, scope, f):
        return Q(**{f("user_id"): scope.user_id})
