"""Import spec of outlets (the wizard in crm.core.imports).

An outlet is recognised by its ERP key where the file has one, else by its dealer and name
together (two dealers may each have a "Салон на Мира"). The dealer column takes the dealer's
ERP key or INN, among the organisations the user may see; the geocoder locates new addresses
after the import."""

from django.utils.translation import gettext_lazy as _
from import_export import fields

from crm.accounts.models import OrgUnit, User
from crm.clients.imports import PhoneWidget
from crm.clients.models import Organisation, OrganisationKind
from crm.core.imports import registry, widgets
from crm.core.imports.resources import SpecResource
from crm.outlets import services
from crm.outlets.models import Outlet
from crm.refs.models import OutletFormat, Region


def _dealers(user):
    return Organisation.objects.restrict(user).filter(
        kind__in=[OrganisationKind.DEALER, OrganisationKind.SUB_DEALER]
    )


def _owners(user):
    return User.objects.filter(is_active=True, position__isnull=False)


class DealerLookup(widgets.LookupWidget):
    def not_found_message(self, text):
        return _("No dealer with the ERP key or INN “%(value)s” among those you may see.") % {
            "value": text[:80]
        }


class OutletResource(SpecResource):
    dealer = fields.Field(
        attribute="dealer", widget=DealerLookup(Organisation, ("erp_key", "inn"), queryset=_dealers)
    )
    format = fields.Field(
        attribute="format", widget=widgets.LookupWidget(OutletFormat, ("name", "external_code"))
    )
    region = fields.Field(
        attribute="region", widget=widgets.LookupWidget(Region, ("code", "name", "external_code"))
    )
    owner = fields.Field(
        attribute="owner",
        widget=widgets.LookupWidget(User, ("username", "email"), queryset=_owners),
    )
    org_unit = fields.Field(attribute="org_unit", widget=widgets.LookupWidget(OrgUnit, ("name",)))
    phone = fields.Field(attribute="phone", widget=PhoneWidget(max_length=20))

    class Meta:
        model = Outlet
        fields = (
            "erp_key",
            "dealer",
            "name",
            "format",
            "status",
            "address",
            "region",
            "org_unit",
            "owner",
            "phone",
            "opening_hours",
            "area_sqm",
            "shelf_share",
            "pos_materials",
            "notes",
        )
        import_id_fields = ("erp_key",)
        skip_unchanged = True


def _defaults(user) -> dict:
    return {
        "owner_id": user.pk,
        "org_unit_id": user.position.org_unit_id if user.position_id else None,
    }


OUTLETS = registry.register(
    registry.ImportSpec(
        model=Outlet,
        resource_class=OutletResource,
        keys=(
            registry.NaturalKey("erp_key", ("erp_key",)),
            registry.NaturalKey(
                "dealer_name",
                ("dealer", "name"),
                normalise=registry.pk_or_value,
                query_field="name",
            ),
        ),
        aliases={
            "erp_key": ("код 1с", "ключ 1с", "код erp", "код точки", "erp"),
            "dealer": ("дилер", "инн дилера", "код дилера"),
            "name": ("торговая точка", "точка", "название", "наименование"),
            "format": ("формат",),
            "address": ("адрес", "адрес точки"),
            "region": ("регион", "код региона"),
            "owner": ("менеджер", "ответственный"),
            "phone": ("телефон",),
            "opening_hours": ("часы работы", "режим работы"),
            "area_sqm": ("площадь", "площадь торгового зала"),
            "shelf_share": ("доля полки", "доля полки, %"),
        },
        required=("dealer", "name"),
        defaults=_defaults,
        after_write=services.locate_imported,
        key_help=_(
            "Rows are matched to existing outlets by the ERP key, else by the dealer and the "
            "outlet's name."
        ),
    )
)
