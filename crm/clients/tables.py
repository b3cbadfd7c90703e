"""Columns of the organisation, contact and interaction lists."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.clients import requisites
from crm.clients.models import Contact, Interaction, Organisation
from crm.core.tables import Column, Table, owner_column


def _phone(obj):
    return requisites.format_phone(obj.phone, obj.phone_ext) if obj.phone else ""


class OrganisationTable(Table):
    model = Organisation
    select_related = ("region", "owner", "category", "client_type")
    needs = ("phone_ext",)
    columns = [
        Column("name", link=True),
        Column("inn"),
        Column("kpp", default=False),
        Column("status"),
        Column("kind", default=False),
        Column("region", accessor="region.name", sort="region__code"),
        owner_column(),
        Column("phone", render=_phone, css="text-nowrap"),
        Column("email", default=False),
        Column("category", accessor="category.name", default=False),
        Column("client_type", accessor="client_type.name", default=False),
        Column("legal_name", default=False),
        Column("actual_address", default=False),
        Column("erp_key", default=False),
        Column("updated_at", label=_("Changed"), sort="updated_at", default=False),
    ]


def _contact_phone(obj):
    return requisites.format_phone(obj.phone, obj.phone_ext) if obj.phone else ""


def _mobile(obj):
    return requisites.format_phone(obj.mobile) if obj.mobile else ""


class ContactTable(Table):
    model = Contact
    select_related = ("organisation",)
    needs = ("phone_ext",)
    columns = [
        Column(
            "last_name",
            label=pgettext_lazy("person", "Name"),
            render=lambda c: c.full_name,
            link=True,
            reads=("last_name", "first_name", "middle_name"),
        ),
        Column("organisation", accessor="organisation.name", sort="organisation__name"),
        Column("job_title"),
        Column("phone", render=_contact_phone, css="text-nowrap"),
        Column("mobile", render=_mobile, css="text-nowrap"),
        Column("email"),
        Column("mailing_consent", default=False),
        Column("updated_at", label=_("Changed"), sort="updated_at", default=False),
    ]


class InteractionTable(Table):
    model = Interaction
    select_related = ("organisation", "author")
    columns = [
        Column("occurred_at"),
        Column("kind"),
        Column("subject", link=True),
        Column("organisation", accessor="organisation.name", sort="organisation__name"),
        Column(
            "author",
            accessor="author",
            reads=(
                "author__last_name",
                "author__first_name",
                "author__middle_name",
                "author__username",
            ),
        ),
        Column("next_step"),
        Column("next_step_date"),
    ]
