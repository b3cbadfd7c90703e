"""Import specs of the reference dictionaries (the wizard in crm.core.imports).

Every dictionary is matched by its ERP key (external code) where the file has one, else by
its own unique code where it has one (region code, ISO code, OKEI code, BIK), else by its
name (a city: by its name within its region). Links to other dictionaries take the other
value's code, ERP key or name. Only holders of the dictionary's import permission (the
administrator role by default) see these in the wizard.
"""

from django.utils.translation import gettext_lazy as _
from import_export import fields

from crm.clients import requisites
from crm.core.imports import registry, widgets
from crm.core.imports.resources import SpecResource
from crm.refs import models

_ERP_KEY = registry.NaturalKey("external_code", ("external_code",))
_BASE_ALIASES = {
    "name": ("наименование", "название"),
    "external_code": registry.ERP_KEY_ALIASES,
    "is_active": ("активен", "активный", "действует"),
}


def _upper(value):
    return str(value or "").upper()


def _lookup(attribute: str, model, *names) -> fields.Field:
    return fields.Field(attribute=attribute, widget=widgets.LookupWidget(model, names))


def _register(
    model,
    *,
    extra: tuple[str, ...] = (),
    links: dict[str, fields.Field] | None = None,
    keys: tuple[registry.NaturalKey, ...] = (),
    aliases: dict[str, tuple[str, ...]] | None = None,
    key_help=None,
):
    """One dictionary's resource and spec: name, ERP key, active flag and its own fields."""
    meta = type(
        "Meta", (), {"model": model, "fields": ("external_code", "name", *extra, "is_active")}
    )
    resource = type(f"{model.__name__}Resource", (SpecResource,), {**(links or {}), "Meta": meta})
    return registry.register(
        registry.ImportSpec(
            model=model,
            resource_class=resource,
            keys=(_ERP_KEY, *keys, registry.NaturalKey("name", ("name",)))
            if not any(k.name == "name" for k in keys)
            else (_ERP_KEY, *keys),
            aliases={**_BASE_ALIASES, **(aliases or {})},
            key_help=key_help
            or _("Rows are matched to existing values by the ERP key, else by the name."),
        )
    )


for _model in (
    models.ClientType,
    models.ClientCategory,
    models.SalesChannel,
    models.LeadSource,
    models.OutletFormat,
):
    _register(_model)

_register(
    models.Country,
    extra=("iso_code",),
    keys=(registry.NaturalKey("iso_code", ("iso_code",), normalise=_upper),),
    aliases={"iso_code": ("код страны", "iso")},
    key_help=_("Rows are matched by the ERP key, else by the ISO code, else by the name."),
)
_register(
    models.FederalDistrict,
    extra=("country",),
    links={"country": _lookup("country", models.Country, "iso_code", "external_code", "name")},
    aliases={"country": ("страна",)},
)
_register(
    models.Region,
    extra=("code", "district"),
    links={
        "district": _lookup("district", models.FederalDistrict, "external_code", "name"),
    },
    keys=(registry.NaturalKey("code", ("code",)),),
    aliases={
        "code": ("код региона", "код субъекта", "код"),
        "district": ("федеральный округ", "округ"),
    },
    key_help=_("Rows are matched by the ERP key, else by the region code, else by the name."),
)
_register(
    models.City,
    extra=("region",),
    links={"region": _lookup("region", models.Region, "code", "external_code", "name")},
    keys=(
        registry.NaturalKey(
            "name", ("region", "name"), normalise=registry.pk_or_value, query_field="name"
        ),
    ),
    aliases={"name": ("город", "населённый пункт", "наименование"), "region": ("регион",)},
    key_help=_("Rows are matched by the ERP key, else by the name within the region."),
)
_register(
    models.UnitOfMeasure,
    extra=("code", "symbol"),
    keys=(registry.NaturalKey("code", ("code",)),),
    aliases={
        "code": ("код океи", "океи", "код"),
        "symbol": ("обозначение", "ед. изм.", "сокращение"),
    },
    key_help=_("Rows are matched by the ERP key, else by the OKEI code, else by the name."),
)
_register(
    models.Bank,
    extra=("bik", "corr_account", "city"),
    links={
        "bik": fields.Field(
            attribute="bik", widget=widgets.RequisiteWidget(requisites.check_bik, max_length=20)
        ),
        "city": _lookup("city", models.City, "external_code", "name"),
    },
    keys=(registry.NaturalKey("bik", ("bik",)),),
    aliases={
        "bik": ("бик",),
        "corr_account": ("корр. счёт", "корр. счет", "кор. счёт", "корсчёт", "к/с"),
        "city": ("город",),
        "name": ("банк", "наименование"),
    },
    key_help=_("Rows are matched by the ERP key, else by the BIK, else by the name."),
)
_register(
    models.PaymentForm,
    extra=("bank",),
    links={"bank": _lookup("bank", models.Bank, "bik", "external_code", "name")},
    aliases={"bank": ("банк", "бик банка"), "name": ("форма оплаты", "наименование")},
)
_register(
    models.Warehouse,
    extra=("city", "address"),
    links={"city": _lookup("city", models.City, "external_code", "name")},
    aliases={"city": ("город",), "address": ("адрес",), "name": ("склад", "наименование")},
)
