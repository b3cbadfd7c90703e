"""Row rules of the import log: people see their own imports, administrators all of them."""

from django.db.models import Q

from crm.core import access
from crm.core.imports.models import ImportJob, ImportMapping, ImportRowChange

ADMINISTRATOR = "administrator"


@access.register(ImportJob)
class ImportJobAccess(access.PersonalRows):
    """An import belongs to the user who uploaded it; administrators read the whole log."""

    def view(self, scope, f):
        if ADMINISTRATOR in scope.roles:
            return Q()
        return Q(**{f("user_id"): scope.user_id})

    def change(self, scope, f):
        return Q(**{f("user_id"): scope.user_id})


@access.register(ImportMapping)
class ImportMappingAccess(access.PersonalRows):
    """A saved mapping belongs to the user who saved it."""


@access.register(ImportRowChange)
class ImportRowChangeAccess(access.PersonalRows):
    """Rows of an import are seen with the import."""

    def view(self, scope, f):
        return access.rule_condition(ImportJob, scope, "view", prefix=f("job__"))

    def change(self, scope, f):
        return access.rule_condition(ImportJob, scope, "change", prefix=f("job__"))
