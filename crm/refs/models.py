"""Reference dictionaries (справочники). Geography first: country → district → region → city."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.clients import requisites
from crm.core.audit import tracked


class Dictionary(models.Model):
    """Common fields of every dictionary: a name, an external code for ERP sync, a switch."""

    name = models.CharField(_("name"), max_length=200)
    external_code = models.CharField(
        _("external code"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The key of this value in the ERP (1C); used by the nightly sync."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True
        ordering = ["name"]
        # "import": the import wizard (crm.core.imports) for administrators
        default_permissions = ("add", "change", "delete", "view", "import")

    def __str__(self):
        return self.name


def _unique_external_code(model_name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["external_code"],
        condition=~models.Q(external_code=""),
        name=f"refs_{model_name}_external_code_uniq",
    )


@tracked()
class Country(Dictionary):
    """A country."""

    iso_code = models.CharField(_("ISO code"), max_length=2, unique=True)

    class Meta(Dictionary.Meta):
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [_unique_external_code("country")]


@tracked()
class FederalDistrict(Dictionary):
    """A federal district (федеральный округ)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="districts"
    )

    class Meta(Dictionary.Meta):
        verbose_name = _("federal district")
        verbose_name_plural = _("federal districts")
        constraints = [_unique_external_code("federaldistrict")]


@tracked()
class Region(Dictionary):
    """A region (субъект РФ); scoped rows carry its id as region_id."""

    district = models.ForeignKey(
        FederalDistrict,
        verbose_name=_("federal district"),
        on_delete=models.PROTECT,
        related_name="regions",
    )
    code = models.CharField(
        _("region code"), max_length=3, unique=True, help_text=_("Two-digit subject code, e.g. 77.")
    )

    class Meta(Dictionary.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [_unique_external_code("region")]


@tracked()
class City(Dictionary):
    """A city or town."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="cities"
    )

    class Meta(Dictionary.Meta):
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [
            _unique_external_code("city"),
            models.UniqueConstraint(fields=["region", "name"], name="refs_city_region_name_uniq"),
        ]


def _simple_dictionary(name: str, verbose: str, verbose_plural: str, doc: str):
    """A dictionary of plain named values with an ERP code (client types, channels...)."""
    meta = type(
        "Meta",
        (Dictionary.Meta,),
        {
            "verbose_name": verbose,
            "verbose_name_plural": verbose_plural,
            "constraints": [_unique_external_code(name.lower())],
        },
    )
    model = type(name, (Dictionary,), {"__module__": __name__, "__doc__": doc, "Meta": meta})
    return tracked()(model)


ClientType = _simple_dictionary(
    "ClientType",
    _("client type"),
    _("client types"),
    "A client type (тип клиента): retail chain, service station, distributor...",
)
ClientCategory = _simple_dictionary(
    "ClientCategory",
    _("client category"),
    _("client categories"),
    "A client category (категория клиента) that discounts are keyed on: A, B, C...",
)
SalesChannel = _simple_dictionary(
    "SalesChannel", _("sales channel"), _("sales channels"), "A sales channel (канал продаж)."
)
LeadSource = _simple_dictionary(
    "LeadSource",
    _("lead source"),
    _("lead sources"),
    "Where a client came from (источник привлечения): exhibition, website, referral...",
)
OutletFormat = _simple_dictionary(
    "OutletFormat",
    _("outlet format"),
    _("outlet formats"),
    "An outlet format (формат торговой точки): salon, shop-in-shop, franchise...",
)


def _digits(length: int, message):
    return RegexValidator(rf"^\d{{{length}}}$", message)


@tracked()
class UnitOfMeasure(Dictionary):
    """A unit of measure with its code in the ОКЕИ classifier (796 шт, 112 л, 166 кг)."""

    code = models.CharField(
        _("OKEI code"),
        max_length=3,
        unique=True,
        validators=[_digits(3, _("An OKEI code has 3 digits, e.g. 796 for pieces."))],
        help_text=_("The code of the unit in the OKEI classifier, e.g. 796 for pieces."),
    )
    symbol = models.CharField(
        _("symbol"), max_length=20, help_text=_("As printed in documents, e.g. шт, л, кг.")
    )

    class Meta(Dictionary.Meta):
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")
        constraints = [_unique_external_code("unitofmeasure")]

    def __str__(self):
        return self.symbol or self.name


@tracked()
class Bank(Dictionary):
    """A bank from the BIK directory: BIK, correspondent account, city."""

    bik = models.CharField(
        _("BIK"),
        max_length=9,
        unique=True,
        validators=[requisites.check_bik],
        error_messages={"unique": _("A bank with this BIK already exists.")},
    )
    corr_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta(Dictionary.Meta):
        verbose_name = _("bank")
        verbose_name_plural = _("banks")
        constraints = [_unique_external_code("bank")]

    def __str__(self):
        return f"{self.name} ({self.bik})"

    def clean_fields(self, exclude=None):
        # People paste a BIK with spaces; the length check must see it without them.
        self.bik = "".join(str(self.bik or "").split())
        self.corr_account = "".join(str(self.corr_account or "").split())
        super().clean_fields(exclude=exclude)

    def clean(self):
        try:
            bik = requisites.check_bik(self.bik)
        except ValidationError:
            return  # the field's own validator reports it
        if self.corr_account:
            try:
                self.corr_account = requisites.check_corr_account(self.corr_account, bik)
            except ValidationError as error:
                raise ValidationError({"corr_account": error.messages}) from None


@tracked()
class PaymentForm(Dictionary):
    """A payment form (форма оплаты): cash, bank transfer, card...; sales lines and KPIs use it.
    In the ERP the bank is an attribute of the payment form."""

    bank = models.ForeignKey(
        Bank,
        verbose_name=_("bank"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_forms",
    )

    class Meta(Dictionary.Meta):
        verbose_name = _("payment form")
        verbose_name_plural = _("payment forms")
        constraints = [_unique_external_code("paymentform")]


@tracked()
class Warehouse(Dictionary):
    """A warehouse of the company that stock is kept and shipped from."""

    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.PROTECT, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=500, blank=True)

    class Meta(Dictionary.Meta):
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [_unique_external_code("warehouse")]
