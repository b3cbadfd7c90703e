"""What the 1C sync can load, and the УТ 11 names it reads by default.

A ``Target`` is one of our models fed from one 1C entity set: which of our fields come from
which 1C property, how a value is read (text, a flag, a reference to another synced record, an
enumeration), how a record made in the CRM before the first sync is recognised (natural key),
and how a deletion mark shows (archived, or inactive). The property names here are the shipped
default for "Управление торговлей 11"; each installation edits them in the admin (``Mapping``),
and "Check the mapping" compares them with the base's ``$metadata``.

A property may name alternatives, ``Артикул|Code``: the first non-empty one is taken. An
empty property means the field is not read at all (the CRM keeps its own value): some fields
ship that way because stock УТ 11 has nothing that means the same (a counterparty's region is
a business region there, not a subject of the federation).
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.catalog.models import Brand, Product, ProductGroup, Series
from crm.clients.models import BankAccount, CounterpartyType, HoldingGroup, Organisation
from crm.refs.models import (
    Bank,
    ClientCategory,
    ClientType,
    LeadSource,
    OutletFormat,
    PaymentForm,
    Region,
    SalesChannel,
    UnitOfMeasure,
    Warehouse,
)
from crm.sales.models import SalesLine

ZERO_GUID = "00000000-0000-0000-0000-000000000000"
TEXT, FLAG, REF, CHOICE = "text", "flag", "ref", "choice"


@dataclass(frozen=True)
class Column:
    """One of our fields and the 1C property it is read from."""

    name: str
    default: str  # the УТ 11 property
    kind: str = TEXT
    to: type[models.Model] | None = None  # REF: the synced model the 1C key points at
    attr: str = ""  # REF: copy this field of the referenced record instead of linking it
    choices: dict[str, str] = field(default_factory=dict)  # CHOICE: 1C value → ours
    reverse: dict[str, str] = field(default_factory=dict)  # CHOICE: ours → 1C, beyond choices
    row: bool = False  # a document's: read from each row of its goods table, not the header
    label: str = ""  # for a column that is not a field of ours ("posted")


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    model: type[models.Model]
    entity_set: str
    columns: tuple[Column, ...]
    filter: str = ""  # an OData $filter, e.g. folders only
    natural_key: tuple[str, ...] = ()  # recognises a record made in the CRM (adoption)
    archive_field: str = "is_active"  # set from DeletionMark
    archived_value: bool = False  # the value of archive_field for a deletion-marked row
    enabled: bool = True  # shipped enabled: stock УТ 11 publishes it
    fix: object = None  # fix(values: dict) -> None: a last adjustment in Python
    sign: int = 0  # a sales document: +1 sales, -1 returns (lines of the ledger); 0: a record


def column_label(target: Target, column: Column) -> str:
    """A column as the user reads it: our field's name, or its own label."""
    if column.label:
        return str(column.label)
    return str(target.model._meta.get_field(column.name).verbose_name)


def key_field(model) -> str:
    """The column holding a record's 1C Ref_Key."""
    names = {f.name for f in model._meta.concrete_fields}
    return "erp_key" if "erp_key" in names else "external_code"


def _counterparty_type(values: dict) -> None:
    """1C says legal or natural person; a natural person with a 12-digit INN is a sole
    proprietor (индивидуальный предприниматель)."""
    if (
        values.get("counterparty_type") == CounterpartyType.INDIVIDUAL
        and len(values.get("inn") or "") == 12
    ):
        values["counterparty_type"] = CounterpartyType.ENTREPRENEUR


def _named(key, label, model, entity_set, *, enabled=False):
    """A plain named dictionary. Stock УТ 11 has no catalog for most of these (it keeps them
    as enumerations or in the partner's segments), so they ship disabled under the names a
    typical extension uses."""
    return Target(
        key,
        label,
        model,
        entity_set,
        (Column("name", "Description"),),
        natural_key=("name",),
        enabled=enabled,
    )


def _documents(key, label, entity_set, sign):
    """Sales or returns documents of 1C, read into the sales ledger as sell-in lines."""
    return Target(
        key,
        label,
        SalesLine,
        entity_set,
        (
            Column("date", "Date"),
            Column("document_number", "Number"),
            Column("posted", "Posted", FLAG, label=_("posted")),
            Column("buyer", "Контрагент_Key", REF, Organisation),
            Column("payment_form", "ФормаОплаты"),
            Column("rows", "Товары", label=_("goods (the document's table)")),
            Column("line", "LineNumber", row=True, label=_("row number")),
            Column("product", "Номенклатура_Key", REF, Product, row=True),
            Column("quantity", "Количество", row=True),
            Column("amount", "СуммаСНДС|Сумма", row=True),
        ),
        archive_field="",
        sign=sign,
    )


TARGETS: dict[str, Target] = {
    target.key: target
    for target in (
        Target(
            "units",
            "Units of measure",
            UnitOfMeasure,
            "Catalog_УпаковкиЕдиницыИзмерения",
            (
                Column("name", "НаименованиеПолное|Description"),
                Column("code", "Code"),
                Column("symbol", "Description"),
            ),
            natural_key=("code",),
        ),
        Target(
            "banks",
            "Banks",
            Bank,
            "Catalog_КлассификаторБанков",
            (
                Column("name", "Description"),
                Column("bik", "Code"),
                Column("corr_account", "КоррСчет"),
            ),
            filter="IsFolder eq false",
            natural_key=("bik",),
        ),
        Target(
            "warehouses",
            "Warehouses",
            Warehouse,
            "Catalog_Склады",
            (Column("name", "Description"),),
            filter="IsFolder eq false",
            natural_key=("name",),
        ),
        _named("sales_channels", "Sales channels", SalesChannel, "Catalog_КаналыСбыта"),
        _named("client_types", "Client types", ClientType, "Catalog_ТипыКлиентов"),
        _named(
            "client_categories", "Client categories", ClientCategory, "Catalog_КатегорииКлиентов"
        ),
        _named("lead_sources", "Lead sources", LeadSource, "Catalog_ИсточникиПривлечения"),
        _named("outlet_formats", "Outlet formats", OutletFormat, "Catalog_ФорматыМагазинов"),
        Target(
            "payment_forms",
            "Payment forms",
            PaymentForm,
            "Catalog_ФормыОплаты",
            (Column("name", "Description"), Column("bank", "Банк_Key", REF, Bank)),
            natural_key=("name",),
            enabled=False,
        ),
        Target(
            "brands",
            "Brands",
            Brand,
            "Catalog_Марки",
            (Column("name", "Description"),),
            natural_key=("name",),
        ),
        Target(
            "series",
            "Series",
            Series,
            "Catalog_КоллекцииНоменклатуры",
            (Column("name", "Description"), Column("brand", "Марка_Key", REF, Brand)),
            natural_key=("brand", "name"),
            enabled=False,
        ),
        Target(
            "product_groups",
            "Product groups",
            ProductGroup,
            "Catalog_Номенклатура",
            (
                Column("name", "Description"),
                Column("parent", "Parent_Key", REF, ProductGroup),
            ),
            filter="IsFolder eq true",
            natural_key=("parent", "name"),
        ),
        Target(
            "products",
            "Products",
            Product,
            "Catalog_Номенклатура",
            (
                Column("name", "НаименованиеПолное|Description"),
                Column("sku", "Артикул|Code"),
                Column("group", "Parent_Key", REF, ProductGroup),
                Column("brand", "Марка_Key", REF, Brand),
                Column("series", "", REF, Series),
                Column("unit", "ЕдиницаИзмерения_Key", REF, UnitOfMeasure),
            ),
            filter="IsFolder eq false",
            natural_key=("sku",),
        ),
        _named("holdings", "Holding groups", HoldingGroup, "Catalog_Холдинги"),
        Target(
            "organisations",
            "Counterparties",
            Organisation,
            "Catalog_Контрагенты",
            (
                Column("name", "Description"),
                Column("legal_name", "НаименованиеПолное"),
                Column("inn", "ИНН"),
                Column("kpp", "КПП"),
                Column(
                    "counterparty_type",
                    "ЮридическоеФизическоеЛицо",
                    CHOICE,
                    choices={
                        "ЮридическоеЛицо": CounterpartyType.LEGAL_ENTITY,
                        "ФизическоеЛицо": CounterpartyType.INDIVIDUAL,
                    },
                    reverse={CounterpartyType.ENTREPRENEUR: "ФизическоеЛицо"},
                ),
                # Not read by default: map them where the base has them (see the module).
                Column("holding", "", REF, HoldingGroup),
                Column("region", "", REF, Region),
            ),
            filter="IsFolder eq false",
            natural_key=("inn", "kpp"),
            archive_field="is_archived",
            archived_value=True,
            fix=_counterparty_type,
        ),
        Target(
            "bank_accounts",
            "Counterparties' bank accounts",
            BankAccount,
            "Catalog_БанковскиеСчетаКонтрагентов",
            (
                Column("organisation", "Owner_Key", REF, Organisation),
                Column("account", "НомерСчета"),
                Column("bik", "Банк_Key", REF, Bank, attr="bik"),
                Column("bank_name", "Банк_Key", REF, Bank, attr="name"),
                Column("corr_account", "Банк_Key", REF, Bank, attr="corr_account"),
            ),
            natural_key=("organisation", "bik", "account"),
            archive_field="",
        ),
        _documents("sales_documents", "Sales", "Document_РеализацияТоваровУслуг", 1),
        _documents("return_documents", "Returns", "Document_ВозвратТоваровОтКлиента", -1),
    )
}
