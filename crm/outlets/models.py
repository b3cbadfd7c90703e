"""Outlets (торговые точки): a dealer's points of sale, with address and coordinates, the field
manager assigned, contacts, and merchandising: equipment, POS materials, shelf share, photos."""

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.access import RestrictedQuerySet
from crm.core.audit import tracked
from crm.core.models import VersionedModel


class OutletStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Working")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


@tracked(exclude=["geo_precision"])
class Outlet(VersionedModel):
    """A point of sale of a dealer or sub-dealer. Its scope columns, like an organisation's, are
    region, org unit and owner (the field manager); dealers see the outlets of their own
    organisation."""

    dealer = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("dealer"),
        on_delete=models.PROTECT,
        related_name="outlets",
        help_text=_("The dealer or sub-dealer the outlet belongs to."),
    )
    name = models.CharField(_("name"), max_length=300)
    format = models.ForeignKey(
        "refs.OutletFormat",
        verbose_name=_("format"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OutletStatus.choices, default=OutletStatus.ACTIVE
    )
    brands = models.ManyToManyField(
        "catalog.Brand", verbose_name=_("brands carried"), blank=True, related_name="outlets"
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    region = models.ForeignKey(
        "refs.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # outlets_region_status_all leads with it
    )
    # Placed by the geocoder from the address, or set by hand (geo_precision "manual").
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Set by hand only to correct the point the geocoder found, e.g. 55.751244."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("E.g. 37.618423."),
    )
    geo_precision = models.CharField(
        _("location precision"), max_length=20, blank=True, editable=False
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # outlets_unit_status_all leads with it
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("field manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outlets",
        db_index=False,  # outlets_owner_status_all leads with it
    )
    contacts = models.ManyToManyField(
        "clients.Contact", verbose_name=_("contacts"), blank=True, related_name="outlets"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    area_sqm = models.PositiveIntegerField(_("sales area, m²"), null=True, blank=True)
    shelf_share = models.DecimalField(
        _("shelf share, %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Our brands' share of the shelf at the last visit."),
    )
    pos_materials = models.TextField(
        _("POS materials"), blank=True, help_text=_("Posters, stands, wobblers placed.")
    )
    erp_key = models.CharField(_("ERP key"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")
        ordering = ["name", "id"]
        permissions = [
            ("export_outlet", _("Can export outlets")),
            ("import_outlet", _("Can import outlets")),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="outlets_name"),
            models.Index(fields=["-updated_at", "-id"], name="outlets_updated"),
            # Whole-table, with the archive flag last: a partial index (working outlets only)
            # cannot serve "working and archived", whose capped count then scanned the table.
            models.Index(
                fields=["region", "status", "is_archived"], name="outlets_region_status_all"
            ),
            models.Index(
                fields=["owner", "status", "is_archived"], name="outlets_owner_status_all"
            ),
            # The scope's third branch: with a status filter, the three branches combine
            # in a BitmapOr; with org_unit alone the count scanned a status index instead.
            models.Index(
                fields=["org_unit", "status", "is_archived"], name="outlets_unit_status_all"
            ),
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="outlets_name_trgm"),
            GinIndex(OpClass(Upper("address"), name="gin_trgm_ops"), name="outlets_address_trgm"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["erp_key"], condition=~models.Q(erp_key=""), name="outlets_erp_key_uniq"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("outlets:outlet_detail", args=[self.pk])


@tracked()
class OutletEquipment(VersionedModel):
    """Equipment placed at an outlet: a display rack, a fridge, a tinting machine."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="equipment"
    )
    name = models.CharField(_("equipment"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outlet equipment")
        verbose_name_plural = _("outlet equipment")
        ordering = ["name", "id"]

    def __str__(self):
        return f"{self.name} × {self.quantity}"


def _photo_path(instance, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"outlets/{instance.outlet_id}/{uuid.uuid4().hex}.{extension}"


@tracked()
class OutletPhoto(models.Model):
    """A photo taken at an outlet; stored privately and served only through a view that checks
    that the user may see the outlet."""

    outlet = models.ForeignKey(
        Outlet, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("photo"), upload_to=_photo_path, max_length=300)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    content_type = models.CharField(max_length=50, editable=False)
    size = models.PositiveIntegerField(editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outlet photo")
        verbose_name_plural = _("outlet photos")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.caption or self.image.name.rsplit("/", 1)[-1]
