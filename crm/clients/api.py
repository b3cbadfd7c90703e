"""REST API of organisations, contacts and interactions, under the same policy as the pages.

Read with the ``clients:read`` scope, write with ``clients:write``; the key's service user's
permissions, scope and field policies apply (crm.core.api.records). Changes send the record's
``version``; lists are cursor-paginated, ordered by id unless ``?ordering=`` asks otherwise.
"""

from crm.clients.models import BankAccount, Contact, Interaction, Organisation
from crm.clients.requisites import phone_search_key
from crm.clients.selectors import name_match
from crm.core.api.records import (
    RecordSerializer,
    RecordViewSet,
    contains,
    exact,
    prefix,
    record_schema,
)


class OrganisationSerializer(RecordSerializer):
    """An organisation; foreign keys are ids. Fields hidden for you are absent, read-only ones
    are ignored in writes. Send ``version`` with a change."""

    class Meta:
        model = Organisation
        fields = "__all__"


class ContactSerializer(RecordSerializer):
    """A contact person of an organisation (its id). Send ``version`` with a change."""

    class Meta:
        model = Contact
        fields = "__all__"


class InteractionSerializer(RecordSerializer):
    """A call, e-mail, meeting or note; ``author`` is set to the key's user on creation."""

    class Meta:
        model = Interaction
        fields = "__all__"
        read_only_fields = ["author"]


class BankAccountSerializer(RecordSerializer):
    """A settlement account of an organisation; the account number is checked against the BIK."""

    class Meta:
        model = BankAccount
        fields = "__all__"


@record_schema
class OrganisationViewSet(RecordViewSet):
    """Organisations (clients, dealers, sub-dealers) in the service user's scope."""

    model = Organisation
    serializer_class = OrganisationSerializer
    filter_fields = {
        "status": "status",
        "kind": "kind",
        "region": "region_id",
        "owner": "owner_id",
        "inn": "inn",
        "updated_since": "updated_at__gte",
    }
    search_fields = [
        ("name", lambda term: name_match(term, ["name"])),  # without legal forms, as the pages
        ("inn", prefix("inn")),
        ("phone", exact("phone", phone_search_key)),
    ]
    ordering_fields = ("id", "name", "inn", "status", "created_at", "updated_at")


@record_schema
class ContactViewSet(RecordViewSet):
    """Contacts of the organisations in the service user's scope."""

    model = Contact
    serializer_class = ContactSerializer
    filter_fields = {"organisation": "organisation_id", "email": "email__iexact"}
    search_fields = [
        ("last_name", contains("last_name")),
        ("email", contains("email")),
        ("phone", exact("phone", phone_search_key)),
        ("mobile", exact("mobile", phone_search_key)),
    ]
    ordering_fields = ("id", "last_name", "created_at", "updated_at")


@record_schema
class InteractionViewSet(RecordViewSet):
    """Calls, e-mails, meetings and notes; a new one is authored by the service user."""

    model = Interaction
    serializer_class = InteractionSerializer
    filter_fields = {"organisation": "organisation_id", "kind": "kind"}
    search_fields = [("subject", contains("subject"))]
    ordering_fields = ("id", "occurred_at", "created_at", "updated_at")

    def create_defaults(self):
        return {"author": self.request.user}


@record_schema
class BankAccountViewSet(RecordViewSet):
    """Bank accounts of the organisations in the service user's scope."""

    model = BankAccount
    serializer_class = BankAccountSerializer
    filter_fields = {"organisation": "organisation_id", "bik": "bik"}
    search_fields = [("account", prefix("account"))]
    ordering_fields = ("id", "created_at", "updated_at")


def register(router) -> None:
    """Add the clients endpoints to the API router (crm/core/api/urls.py)."""
    router.register("clients/organisations", OrganisationViewSet, basename="organisation")
    router.register("clients/contacts", ContactViewSet, basename="contact")
    router.register("clients/interactions", InteractionViewSet, basename="interaction")
    router.register("clients/bank-accounts", BankAccountViewSet, basename="bankaccount")
