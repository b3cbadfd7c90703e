"""Import specs of organisations and contacts (the wizard in crm.core.imports).

Natural keys, so a re-run of the same file updates rather than duplicates:

* an organisation is its ERP key where the file has one, else its INN (+ KPP when the column
  is mapped: branches share an INN and differ in KPP);
* a contact is found within its organisation (the organisation column: ERP key or INN of an
  organisation the user may change) by e-mail (case-insensitive), else by mobile or work
  phone (E.164), else by full name.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import fields

from crm.accounts.models import OrgUnit, User
from crm.clients import requisites
from crm.clients.duplicates import contacts_like_new_rows, organisations_like_new_rows
from crm.clients.models import Contact, HoldingGroup, Organisation
from crm.core.imports import registry, widgets
from crm.core.imports.parsing import cell_text
from crm.core.imports.resources import SpecResource
from crm.refs.models import ClientCategory, ClientType, LeadSource, Region, SalesChannel

_RU_PHONE = re.compile(r"^(?:\+7|8|7)?(\d{10})$")
_PHONE_NOISE = re.compile(r"[\s()\-.\u00a0]")


class PhoneWidget(widgets.TextWidget):
    """A phone in any usual notation → E.164 (Russian numbers without the parser: fast)."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        if not text:
            return ""
        match = _RU_PHONE.match(_PHONE_NOISE.sub("", text))
        if match:
            return "+7" + match[1]
        return requisites.normalise_phone(text)[0]


def _check_ogrn(value: str) -> str:
    digits = re.sub(r"\s+", "", value)
    return requisites.check_ogrnip(digits) if len(digits) == 15 else requisites.check_ogrn(digits)


class EmailWidget(widgets.TextWidget):
    def clean(self, value, row=None, **kwargs):
        return super().clean(value).lower()


def _owners(user):
    return User.objects.filter(is_active=True, position__isnull=False)


class OrganisationResource(SpecResource):
    inn = fields.Field(attribute="inn", widget=widgets.RequisiteWidget(requisites.check_inn))
    kpp = fields.Field(attribute="kpp", widget=widgets.RequisiteWidget(requisites.check_kpp))
    ogrn = fields.Field(attribute="ogrn", widget=widgets.RequisiteWidget(_check_ogrn))
    phone = fields.Field(attribute="phone", widget=PhoneWidget(max_length=20))
    email = fields.Field(attribute="email", widget=EmailWidget(max_length=254))
    region = fields.Field(
        attribute="region", widget=widgets.LookupWidget(Region, ("code", "name", "external_code"))
    )
    owner = fields.Field(
        attribute="owner",
        widget=widgets.LookupWidget(User, ("username", "email"), queryset=_owners),
    )
    org_unit = fields.Field(attribute="org_unit", widget=widgets.LookupWidget(OrgUnit, ("name",)))
    holding = fields.Field(
        attribute="holding", widget=widgets.LookupWidget(HoldingGroup, ("name",))
    )
    client_type = fields.Field(
        attribute="client_type", widget=widgets.LookupWidget(ClientType, ("name", "external_code"))
    )
    category = fields.Field(
        attribute="category",
        widget=widgets.LookupWidget(ClientCategory, ("name", "external_code")),
    )
    sales_channel = fields.Field(
        attribute="sales_channel",
        widget=widgets.LookupWidget(SalesChannel, ("name", "external_code")),
    )
    lead_source = fields.Field(
        attribute="lead_source", widget=widgets.LookupWidget(LeadSource, ("name", "external_code"))
    )

    class Meta:
        model = Organisation
        fields = (
            "name",
            "legal_name",
            "kind",
            "status",
            "counterparty_type",
            "inn",
            "kpp",
            "ogrn",
            "erp_key",
            "region",
            "org_unit",
            "owner",
            "holding",
            "client_type",
            "category",
            "sales_channel",
            "lead_source",
            "legal_address",
            "actual_address",
            "phone",
            "phone_ext",
            "email",
            "website",
            "notes",
        )
        import_id_fields = ("erp_key",)
        skip_unchanged = True


def _organisation_defaults(user) -> dict:
    return {
        "owner_id": user.pk,
        "org_unit_id": user.position.org_unit_id if user.position_id else None,
    }


def _organisation_validate(obj):
    """An organisation's INN length follows its counterparty type (as in the form)."""
    if obj.inn and obj.counterparty_type == "legal" and len(obj.inn) != 10:
        raise ValidationError({"inn": [_("An organisation's INN has 10 digits.")]})
    if obj.inn and obj.counterparty_type == "entrepreneur" and len(obj.inn) != 12:
        raise ValidationError({"inn": [_("A sole proprietor's INN has 12 digits.")]})


ORGANISATIONS = registry.register(
    registry.ImportSpec(
        model=Organisation,
        resource_class=OrganisationResource,
        keys=(
            registry.NaturalKey("erp_key", ("erp_key",)),
            registry.NaturalKey("inn_kpp", ("inn", "kpp"), required=("inn",)),
        ),
        aliases={
            "name": ("наименование", "название", "организация", "краткое наименование"),
            "legal_name": ("полное наименование", "юридическое наименование"),
            "inn": ("инн", "inn"),
            "kpp": ("кпп", "kpp"),
            "ogrn": ("огрн", "огрнип", "ogrn"),
            "erp_key": ("код 1с", "ключ 1с", "код erp", "erp"),
            "owner": ("ответственный", "менеджер", "owner"),
            "region": ("регион", "код региона"),
            "phone": ("телефон",),
            "email": ("email", "e mail", "почта", "электронная почта"),
            "website": ("сайт", "web"),
        },
        required=("name",),
        defaults=_organisation_defaults,
        validate=_organisation_validate,
        duplicates=organisations_like_new_rows,
        key_help=_(
            "Rows are matched to existing organisations by the ERP key, else by INN and KPP."
        ),
    )
)


def _changeable_organisations(user):
    return Organisation.objects.restrict(user, "change")


class OrganisationLookup(widgets.LookupWidget):
    def not_found_message(self, text):
        return _(
            "No organisation with the ERP key or INN “%(value)s” among those you may change."
        ) % {"value": text[:80]}


class ContactResource(SpecResource):
    organisation = fields.Field(
        attribute="organisation",
        widget=OrganisationLookup(
            Organisation, ("erp_key", "inn"), queryset=_changeable_organisations
        ),
    )
    phone = fields.Field(attribute="phone", widget=PhoneWidget(max_length=20))
    mobile = fields.Field(attribute="mobile", widget=PhoneWidget(max_length=20))
    email = fields.Field(attribute="email", widget=EmailWidget(max_length=254))
    email_secondary = fields.Field(attribute="email_secondary", widget=EmailWidget(max_length=254))

    class Meta:
        model = Contact
        fields = (
            "organisation",
            "last_name",
            "first_name",
            "middle_name",
            "job_title",
            "phone",
            "phone_ext",
            "mobile",
            "email",
            "email_secondary",
            "mailing_consent",
            "notes",
        )
        import_id_fields = ("organisation", "email")
        skip_unchanged = True


def _lower(value):
    return cell_text(value).lower() if isinstance(value, str) else value


def _stamp_consent(obj, changed, created, now):
    """Mailing consent given or withdrawn: stamp when (proof for mailings)."""
    if "mailing_consent" in changed and (not created or obj.mailing_consent):
        obj.consent_changed_at = now
        return ["consent_changed_at"]
    return []


CONTACTS = registry.register(
    registry.ImportSpec(
        model=Contact,
        resource_class=ContactResource,
        keys=(
            registry.NaturalKey("email", ("organisation", "email"), normalise=_lower),
            registry.NaturalKey("mobile", ("organisation", "mobile")),
            registry.NaturalKey("phone", ("organisation", "phone")),
            registry.NaturalKey(
                "name",
                ("organisation", "last_name", "first_name", "middle_name"),
                required=("organisation", "last_name"),
                normalise=_lower,
            ),
        ),
        aliases={
            "organisation": ("организация", "инн организации", "компания", "клиент"),
            "last_name": ("фамилия",),
            "first_name": ("имя",),
            "middle_name": ("отчество",),
            "job_title": ("должность", "job title"),
            "mobile": ("мобильный", "мобильный телефон"),
            "phone": ("телефон", "рабочий телефон"),
            "email": ("email", "e mail", "почта"),
            "mailing_consent": ("согласие на рассылку", "рассылка"),
        },
        required=("organisation", "last_name"),
        before_save=_stamp_consent,
        stamp_fields=("consent_changed_at",),
        duplicates=contacts_like_new_rows,
        key_help=_(
            "Contacts are matched within their organisation (ERP key or INN) by e-mail, "
            "else by phone, else by full name."
        ),
    )
)
