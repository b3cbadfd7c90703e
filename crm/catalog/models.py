"""The catalogue: product groups (a tree), brands and sub-brands, series, products with their
article (SKU) and unit, and price lists."""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.core.access import RestrictedQuerySet
from crm.core.audit import tracked
from crm.core.models import VersionedModel

EXTERNAL_CODE_HELP = _("The key of this record in the ERP (1C); used by the nightly sync.")


def _external_code():
    return models.CharField(
        _("external code"), max_length=64, blank=True, default="", help_text=EXTERNAL_CODE_HELP
    )


def _unique_external_code(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["external_code"],
        condition=~models.Q(external_code=""),
        name=f"catalog_{model_name}_external_code_uniq",
        violation_error_message=_("Another record already has this external code."),
    )


def _trigram(field: str, name: str) -> GinIndex:
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)


def _check_no_cycle(obj, parent, field: str, message) -> None:
    """Refuse a parent that is the object itself or one of its descendants."""
    seen = set()
    node = parent
    while node is not None:
        if obj.pk is not None and node.pk == obj.pk:
            raise ValidationError({field: message})
        if node.pk in seen:  # a cycle already stored: stop walking
            break
        seen.add(node.pk)
        node = node.parent
    return None


class CatalogRecord(VersionedModel):
    """Common fields of catalogue records: an ERP key and an active switch."""

    external_code = _external_code()
    is_active = models.BooleanField(_("active"), default=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


@tracked()
class ProductGroup(CatalogRecord):
    """A product group (группа МЦ); groups form a tree through ``parent``."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(
        _("order"), default=0, help_text=_("Groups with a lower number come first.")
    )

    class Meta:
        verbose_name = _("product group")
        verbose_name_plural = _("product groups")
        ordering = ["sort_order", "name", "id"]
        permissions = [("import_productgroup", _("Can import product groups"))]
        constraints = [
            _unique_external_code("productgroup"),
            models.UniqueConstraint(
                fields=["parent", "name"],
                name="catalog_productgroup_parent_name_uniq",
                nulls_distinct=False,
                violation_error_message=_("This group already has a subgroup with this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:productgroup_detail", args=[self.pk])

    def clean(self):
        _check_no_cycle(
            self,
            self.parent,
            "parent",
            _("A group cannot be placed inside itself or inside one of its subgroups."),
        )


@tracked()
class Brand(CatalogRecord):
    """A brand; a brand with a parent is a sub-brand (суббренд) of it."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent brand"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_brands",
        help_text=_("Fill in for a sub-brand: the brand it belongs to."),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name", "id"]
        permissions = [
            ("export_brand", _("Can export brands")),
            ("import_brand", _("Can import brands")),
        ]
        constraints = [
            _unique_external_code("brand"),
            models.UniqueConstraint(
                Upper("name"),
                name="catalog_brand_name_uniq",
                violation_error_message=_("A brand with this name already exists."),
            ),
        ]
        indexes = [_trigram("name", "catalog_brand_name_trgm")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:brand_detail", args=[self.pk])

    def clean(self):
        _check_no_cycle(
            self,
            self.parent,
            "parent",
            _("A brand cannot be a sub-brand of itself or of one of its sub-brands."),
        )


@tracked()
class Series(CatalogRecord):
    """A series (product line) of a brand or sub-brand."""

    brand = models.ForeignKey(
        Brand, verbose_name=_("brand"), on_delete=models.PROTECT, related_name="series"
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = pgettext_lazy("one", "series")
        verbose_name_plural = pgettext_lazy("many", "series")
        ordering = ["name", "id"]
        permissions = [
            ("export_series", _("Can export series")),
            ("import_series", _("Can import series")),
        ]
        constraints = [
            _unique_external_code("series"),
            models.UniqueConstraint(
                fields=["brand", "name"],
                name="catalog_series_brand_name_uniq",
                violation_error_message=_("This brand already has a series with this name."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:series_detail", args=[self.pk])


@tracked()
class Product(CatalogRecord):
    """A product (номенклатура) with its article (SKU), group, brand, series and unit."""

    sku = models.CharField(
        _("article (SKU)"),
        max_length=64,
        unique=True,
        error_messages={"unique": _("A product with this article (SKU) already exists.")},
    )
    name = models.CharField(_("name"), max_length=300)
    group = models.ForeignKey(
        ProductGroup,
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        related_name="products",
    )
    brand = models.ForeignKey(
        Brand,
        verbose_name=_("brand"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    series = models.ForeignKey(
        Series,
        verbose_name=pgettext_lazy("one", "series"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
    )
    unit = models.ForeignKey(
        "refs.UnitOfMeasure",
        verbose_name=_("unit of measure"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    barcode = models.CharField(
        _("barcode"), max_length=14, blank=True, help_text=_("EAN-13 or another code, digits.")
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        permissions = [
            ("export_product", _("Can export products")),
            ("import_product", _("Can import products")),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="catalog_product_name"),
            models.Index(fields=["-updated_at", "-id"], name="catalog_product_updated"),
            models.Index(fields=["group", "is_active"], name="catalog_product_group"),
            models.Index(fields=["brand", "is_active"], name="catalog_product_brand"),
            # Prefix search by article, any case: UPPER(sku) LIKE 'ABC%'.
            models.Index(
                OpClass(Upper("sku"), name="varchar_pattern_ops"),
                name="catalog_product_sku_prefix",
            ),
            models.Index(fields=["barcode"], name="catalog_product_barcode"),
            _trigram("name", "catalog_product_name_trgm"),
        ]
        constraints = [_unique_external_code("product")]

    def __str__(self):
        return f"{self.sku} · {self.name}"

    def get_absolute_url(self):
        return reverse("catalog:product_detail", args=[self.pk])

    def clean(self):
        errors = {}
        self.sku = " ".join((self.sku or "").split())
        if self.barcode:
            self.barcode = self.barcode.strip()
            if not self.barcode.isdigit() or not self.barcode.isascii():
                errors["barcode"] = [_("A barcode has digits only.")]
        if self.series_id is not None:
            series_brand = self.series.brand_id
            if self.brand_id is None:
                self.brand_id = series_brand
            elif series_brand != self.brand_id:
                errors["series"] = [
                    _("The series %(series)s belongs to another brand: %(brand)s.")
                    % {"series": self.series, "brand": self.series.brand}
                ]
        if errors:
            raise ValidationError(errors)


class Currency(models.TextChoices):
    RUB = "RUB", _("Russian rouble")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    CNY = "CNY", _("Chinese yuan")


@tracked()
class PriceList(CatalogRecord):
    """A price list (прайс-лист): prices of products in one currency for a period."""

    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=Currency.RUB
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["name", "id"]
        permissions = [("export_pricelist", _("Can export price lists"))]
        constraints = [
            _unique_external_code("pricelist"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="catalog_pricelist_period",
                violation_error_message=_("The end of the period comes before its start."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("catalog:pricelist_detail", args=[self.pk])

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of the period comes before its start.")})


@tracked()
class PriceListItem(VersionedModel):
    """The price of one product in one price list."""

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="prices"
    )
    price = models.DecimalField(
        _("price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        ordering = ["price_list", "product__name", "id"]
        permissions = [("import_pricelistitem", _("Can import prices"))]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"],
                name="catalog_pricelistitem_uniq",
                violation_error_message=_("This product already has a price in this price list."),
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0),
                name="catalog_pricelistitem_price_not_negative",
                violation_error_message=_("A price cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.product} · {self.price}"

    def get_absolute_url(self):
        return reverse("catalog:pricelist_detail", args=[self.price_list_id]) + "?tab=items"
