"""Choices of the stock app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StockSource(models.TextChoices):
    """How a balance came in: typed in the cabinet's form, uploaded in a file, or sent by an
    outside system through the API."""

    ENTERED = "entered", _("Entered")
    UPLOADED = "uploaded", _("Uploaded")
    API = "api", _("API")
