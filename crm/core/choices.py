"""One vocabulary of provenance: who wrote a value (Source) and how it came (Channel)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    """Who wrote a value; shared by the audit trail, change requests and the ledgers."""

    STAFF = "staff", _("Staff")
    DEALER = "dealer", _("Dealer")
    SUB_DEALER = "sub_dealer", _("Sub-dealer")
    AUDITOR = "auditor", _("Auditor")
    CONTRACTOR = "contractor", _("Data contractor")
    ERP = "erp", _("ERP")
    WEBSITE = "website", _("Website")
    TELEPHONY = "telephony", _("Telephony")
    SYSTEM = "system", _("System")


class Channel(models.TextChoices):
    """How a value came in."""

    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    SYNC = "sync", _("Sync")
    TASK = "task", _("Background task")
