"""Forms of organisations, contacts and interactions (the field policy is applied on top)."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from crm.clients import requisites, selectors
from crm.clients.models import BankAccount, Contact, Interaction, Organisation, OrganisationKind
from crm.core.forms import (
    BulkEditForm,
    OwnerReassignForm,
    RecordForm,
    SearchSelect,
    offer_staff_only,
)

FIND_ORGANISATION = _("Type a name, INN or phone")


def organisation_picker() -> SearchSelect:
    """A contact's or bank account's organisation, among every one the user may change."""
    return SearchSelect(
        search_url=reverse_lazy("clients:organisation_choices"), placeholder=FIND_ORGANISATION
    )


def dealer_picker(kind: str | None = None) -> SearchSelect:
    """A dealer (``kind``) or any dealer or sub-dealer the user sees."""
    return SearchSelect(
        search_url=reverse_lazy("clients:dealer_choices"),
        query={"kind": kind} if kind else None,
        placeholder=FIND_ORGANISATION,
    )


class PhoneField(forms.CharField):
    """Accepts a phone number in any usual Russian notation, stores E.164."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return ""
        number, _extension = requisites.normalise_phone(value)
        return number

    def prepare_value(self, value):
        if value and str(value).startswith("+"):
            return requisites.format_phone(value)
        return value


class OrganisationForm(RecordForm):
    phone = PhoneField(label=_("Phone"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = [
            "name",
            "legal_name",
            "kind",
            "status",
            "counterparty_type",
            "parent_dealer",
            "holding",
            "inn",
            "kpp",
            "ogrn",
            "region",
            "org_unit",
            "owner",
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
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "parent_dealer": dealer_picker(OrganisationKind.DEALER),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "parent_dealer" in self.fields and user is not None:
            dealers = selectors.dealer_choices(user, (OrganisationKind.DEALER,))
            self.fields["parent_dealer"].queryset = dealers.only("pk", "name")
        offer_staff_only(self, "owner")

    def clean_inn(self):
        value = self.cleaned_data.get("inn", "")
        return requisites.check_inn(value) if value else ""

    def clean(self):
        data = super().clean()
        kind = data.get("counterparty_type")
        inn = data.get("inn") or ""
        if inn and kind == "legal" and len(inn) != 10:
            self.add_error("inn", _("An organisation's INN has 10 digits."))
        if inn and kind == "entrepreneur" and len(inn) != 12:
            self.add_error("inn", _("A sole proprietor's INN has 12 digits."))
        return data


class ContactForm(RecordForm):
    phone = PhoneField(label=_("Work phone"), required=False)
    mobile = PhoneField(label=_("Mobile phone"), required=False)

    class Meta:
        model = Contact
        fields = [
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
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "organisation": organisation_picker(),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "organisation" in self.fields and user is not None:
            self.fields["organisation"].queryset = selectors.organisations_to_attach(user)


class BankAccountForm(RecordForm):
    class Meta:
        model = BankAccount
        fields = ["organisation", "bik", "bank_name", "corr_account", "account", "is_primary"]
        widgets = {"organisation": organisation_picker()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "organisation" in self.fields and user is not None:
            self.fields["organisation"].queryset = selectors.organisations_to_attach(user)


class InteractionForm(RecordForm):
    class Meta:
        model = Interaction
        fields = [
            "kind",
            "direction",
            "occurred_at",
            "contact",
            "subject",
            "body",
            "next_step",
            "next_step_date",
            "next_step_done",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 3}),
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "next_step_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user=None, organisation=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        org = organisation or getattr(self.instance, "organisation", None)
        if "contact" in self.fields:
            contacts = (
                Contact.objects.restrict(user) if user is not None else Contact.objects.none()
            )
            self.fields["contact"].queryset = (
                contacts.filter(organisation=org) if org else Contact.objects.none()
            )


class OrganisationBulkForm(BulkEditForm):
    class Meta:
        model = Organisation
        fields = ["status", "region", "client_type", "category", "sales_channel"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "—"), *self.fields["status"].choices[1:]]


class ReassignForm(OwnerReassignForm):
    class Meta:
        model = Organisation
        fields = ["owner"]
