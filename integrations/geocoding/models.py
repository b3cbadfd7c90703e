"""The durable cache of geocoder answers, found and not found alike."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Precision(models.TextChoices):
    """How closely a point matches the address, the same scale for every provider."""

    EXACT = "exact", _("Building")
    NEAR = "near", _("Nearby building")
    STREET = "street", _("Street")
    LOCALITY = "locality", _("Locality")
    OTHER = "other", _("Region or wider")
    MANUAL = "manual", _("Set by hand")


class Provider(models.TextChoices):
    YANDEX = "yandex", _("Yandex Geocoder")
    NOMINATIM = "nominatim", _("Nominatim")


class GeocodeResult(models.Model):
    """One provider's answer for one normalised address; reused until it is too old."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    address_key = models.CharField(
        _("address key"), max_length=64, help_text=_("SHA-256 of the normalised address.")
    )
    query = models.CharField(_("address"), max_length=1000)
    found = models.BooleanField(_("found"), default=False)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    precision = models.CharField(
        _("precision"), max_length=20, choices=Precision.choices, blank=True
    )
    kind = models.CharField(
        _("provider's kind"),
        max_length=50,
        blank=True,
        help_text=_("The provider's own precision and kind, e.g. exact/house."),
    )
    formatted_address = models.CharField(_("provider's address"), max_length=1000, blank=True)
    raw = models.JSONField(_("provider's answer"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("fetched"), default=timezone.now)

    class Meta:
        verbose_name = _("geocoding result")
        verbose_name_plural = _("geocoding results")
        ordering = ["-fetched_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "address_key"], name="geocoding_result_unique_address"
            )
        ]

    def __str__(self):
        return self.query
