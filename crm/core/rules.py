"""Row rules of the core's own user-visible models (crm.core.access)."""

from crm.core import access
from crm.core.models import ExportLog, SavedView


@access.register(SavedView)
class SavedViewAccess(access.PersonalRows):
    """A saved view belongs to the user who saved it."""


@access.register(ExportLog)
class ExportLogAccess(access.PersonalRows):
    """People follow their own exports; administrators read the whole log in admin."""
