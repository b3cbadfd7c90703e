"""The outside data contractor's exchange: a depersonalised workbook out, corrections back in.

152-FZ: the contractor never sees personal data. In the workbook, contact names, phones and
e-mails, and for sole proprietors and individuals their name, INN, OGRNIP, addresses, phone and
e-mail, are replaced by stable pseudonymous tokens (an HMAC of the record, the field and the
server's secret: the same cell gets the same token in every export, and nobody can compute one
without the secret). The contractor corrects the columns they may correct and uploads the
workbook; every changed cell becomes a change request with source "contractor", routed by the
approval rules (or to the data stewards where no rule covers the field). Tokens are mapped back
by recomputing them: a token cell left as it was changes nothing; a token that is not this
cell's, or any edit of a column the contractor may not touch, is refused with its row and
column, and nothing at all is written.
"""

import hashlib
import hmac
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.clients.models import Contact, CounterpartyType, Organisation
from crm.core.choices import Channel, Source
from crm.core.imports import parsing
from crm.outlets.models import Outlet

PSEUDONYM_PREFIX = "PD-"
PERMISSION = "approvals.exchange_changerequest"
ID_HEADER = "ID"
PERSONAL_KINDS = (CounterpartyType.ENTREPRENEUR, CounterpartyType.INDIVIDUAL)


def token(model_label: str, pk: int, name: str) -> str:
    key = hashlib.sha256(("contractor-tokens:" + settings.SECRET_KEY).encode()).digest()
    digest = hmac.new(key, f"{model_label}:{pk}:{name}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:16].upper()


def _text(value) -> str:
    return "" if value is None else str(value)


@dataclass
class Column:
    name: str  # a model field, or "contact", "contact_phone", "contact_email"
    label: object  # lazy: translated when the workbook is written or read
    editable: bool = False


@dataclass
class Dataset:
    key: str
    label: str
    model: type
    columns: list[Column] = field(default_factory=list)

    def rows(self):
        return self.model._default_manager.filter(is_archived=False).order_by("pk")

    def personal(self, obj) -> set[str]:
        """Columns holding personal data in this row (tokens in the workbook)."""
        return {"contact", "contact_phone", "contact_email"}

    def value(self, obj, name: str) -> str:
        return _text(getattr(obj, name))

    def cell(self, obj, name: str, personal: set[str]) -> str:
        if name in personal:
            return token(self.model._meta.label_lower, obj.pk, name)
        return self.value(obj, name)


class OrganisationsDataset(Dataset):
    def rows(self):
        return super().rows().prefetch_related("contacts")

    def personal(self, obj):
        found = super().personal(obj)
        if obj.counterparty_type in PERSONAL_KINDS:
            found |= {"name", "legal_name", "inn", "ogrn", "legal_address", "actual_address"}
            found |= {"phone", "email"}
        return found

    def value(self, obj, name):
        if name.startswith("contact"):
            contact = _first_contact(obj)
            if contact is None:
                return ""
            return {
                "contact": " ".join(
                    p for p in (contact.last_name, contact.first_name, contact.middle_name) if p
                ),
                "contact_phone": contact.mobile or contact.phone,
                "contact_email": contact.email,
            }[name]
        return super().value(obj, name)

    def cell(self, obj, name, personal):
        if name.startswith("contact") and not self.value(obj, name):
            return ""  # no contact: nothing to hide
        return super().cell(obj, name, personal)


def _first_contact(organisation) -> Contact | None:
    contacts = list(organisation.contacts.all())
    return min(contacts, key=lambda c: c.pk) if contacts else None


class OutletsDataset(Dataset):
    def rows(self):
        return super().rows().select_related("dealer")

    def personal(self, obj):
        if obj.dealer.counterparty_type in PERSONAL_KINDS:
            return {"dealer_name", "phone"}
        return set()

    def value(self, obj, name):
        if name == "dealer_name":
            return obj.dealer.name
        return super().value(obj, name)


def _label(model, name):
    """The column's header, translated when the workbook is written or read."""
    return capfirst(model._meta.get_field(name).verbose_name)


DATASETS = {
    "organisations": OrganisationsDataset(
        "organisations",
        gettext_lazy("Organisations"),
        Organisation,
        [
            Column("name", _label(Organisation, "name"), editable=True),
            Column("legal_name", _label(Organisation, "legal_name"), editable=True),
            Column("inn", _label(Organisation, "inn")),
            Column("kpp", _label(Organisation, "kpp"), editable=True),
            Column("ogrn", _label(Organisation, "ogrn")),
            Column("legal_address", _label(Organisation, "legal_address"), editable=True),
            Column("actual_address", _label(Organisation, "actual_address"), editable=True),
            Column("phone", _label(Organisation, "phone"), editable=True),
            Column("email", _label(Organisation, "email"), editable=True),
            Column("website", _label(Organisation, "website"), editable=True),
            Column("contact", gettext_lazy("Contact person")),
            Column("contact_phone", gettext_lazy("Contact's phone")),
            Column("contact_email", gettext_lazy("Contact's e-mail")),
        ],
    ),
    "outlets": OutletsDataset(
        "outlets",
        gettext_lazy("Outlets"),
        Outlet,
        [
            Column("dealer_name", _label(Outlet, "dealer")),
            Column("name", _label(Outlet, "name"), editable=True),
            Column("address", _label(Outlet, "address"), editable=True),
            Column("phone", _label(Outlet, "phone"), editable=True),
            Column("opening_hours", _label(Outlet, "opening_hours"), editable=True),
            Column("area_sqm", _label(Outlet, "area_sqm"), editable=True),
            Column("shelf_share", _label(Outlet, "shelf_share"), editable=True),
        ],
    ),
}


def export_workbook(dataset: Dataset) -> bytes:
    """The depersonalised workbook: an ID column, then the dataset's columns."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(dataset.label))
    sheet.append([ID_HEADER] + [str(c.label) for c in dataset.columns])
    for obj in dataset.rows().iterator(chunk_size=2000):
        personal = dataset.personal(obj)
        sheet.append([obj.pk] + [dataset.cell(obj, c.name, personal) for c in dataset.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class Outcome:
    rows: int = 0
    requests: int = 0  # new requests
    values: int = 0  # values sent, in new requests and in returned ones sent again
    resent: int = 0  # returned requests sent again with the workbook's values
    errors: list[dict] = field(default_factory=list)

    @property
    def sent(self) -> int:
        """Requests that went for approval: new ones and returned ones sent again."""
        return self.requests + self.resent


def import_workbook(user, dataset: Dataset, path: Path, file_name: str) -> Outcome:
    """Check every row, then (only if no row has an error) turn every changed cell into a
    change request with source contractor. All or nothing."""
    from crm.approvals import services

    outcome = Outcome()
    try:
        info = parsing.inspect(path, file_name)
        rows = parsing.iter_rows(path, info)
        header = [parsing.cell_text(c) for c in next(rows, [])]
    except parsing.FileError as error:
        outcome.errors.append({"row": "", "column": "", "message": str(error.message)})
        return outcome
    expected = [ID_HEADER] + [str(c.label) for c in dataset.columns]
    if header[: len(expected)] != expected:
        outcome.errors.append(
            {
                "row": 1,
                "column": "",
                "message": _(
                    "The columns are not those of the exported workbook. Export again and "
                    "correct the values without renaming, adding or moving columns."
                ),
            }
        )
        return outcome
    parsed = []
    for number, cells in enumerate(rows, start=2):
        if not any(parsing.cell_text(c) for c in cells):
            continue
        outcome.rows += 1
        parsed.append((number, [parsing.cell_text(c) for c in cells]))
    ids = [row[0] for _n, row in parsed]
    found = {
        str(obj.pk): obj for obj in dataset.rows().filter(pk__in=[i for i in ids if i.isdigit()])
    }
    proposals = []
    for number, cells in parsed:
        obj = found.get(cells[0])
        if obj is None:
            outcome.errors.append(
                {"row": number, "column": ID_HEADER, "message": _("No such record.")}
            )
            continue
        personal = dataset.personal(obj)
        changes = {}
        for index, column in enumerate(dataset.columns, start=1):
            sent = cells[index] if index < len(cells) else ""
            current = dataset.cell(obj, column.name, personal)
            if sent == current or (sent == "" and current == ""):
                continue
            if column.name in personal:
                message = (
                    _("This token is not the one exported for this cell: leave tokens as they are.")
                    if sent.startswith(PSEUDONYM_PREFIX)
                    else _("This column holds personal data: it cannot be changed here.")
                )
                outcome.errors.append(
                    {"row": number, "column": str(column.label), "message": message}
                )
                continue
            if not column.editable:
                outcome.errors.append(
                    {
                        "row": number,
                        "column": str(column.label),
                        "message": _("This column cannot be changed by the data contractor."),
                    }
                )
                continue
            if _same_number(sent, current):
                continue
            changes[column.name] = sent
        if changes:
            proposals.append((number, obj, changes))
    if outcome.errors:
        return outcome
    with transaction.atomic():
        returned = _returned_fields(user, dataset.model, [obj.pk for _n, obj, _c in proposals])
        for number, obj, changes in proposals:
            comment = _("Data contractor's file %(name)s, row %(row)s") % {
                "name": file_name,
                "row": number,
            }
            # A field of one of the contractor's returned requests: the new value is that
            # request's rework (sent again), not a second request beside it.
            rework: dict = {}
            for name in list(changes):
                request = returned.get((obj.pk, name))
                if request is not None:
                    rework.setdefault(request, {})[name] = changes.pop(name)
            try:
                for request, values in rework.items():
                    services.change_request_resubmit(
                        user, request=request, changes=values, comment=comment
                    )
                    outcome.resent += 1
                    outcome.values += len(values)
                request = None
                if changes:
                    request = services.propose_all(
                        user,
                        obj,
                        changes,
                        source=Source.CONTRACTOR,
                        channel=Channel.IMPORT,
                        comment=comment,
                    )
            except services.RecordError as error:
                outcome.errors.append({"row": number, "column": "", "message": error.message})
                continue
            if request is not None:
                outcome.requests += 1
                outcome.values += len(changes)
        if outcome.errors:
            transaction.set_rollback(True)
            outcome.requests = outcome.values = outcome.resent = 0
    return outcome


def _returned_fields(user, model, pks) -> dict:
    """{(record id, field): request} for the contractor's returned requests on these
    records; where two cover a field, the later one."""
    from django.contrib.contenttypes.models import ContentType

    from crm.approvals.models import RequestState

    found = {}
    requests = (
        own_requests(user)
        .filter(
            state=RequestState.RETURNED,
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=pks,
        )
        .prefetch_related("items")
        .order_by("pk")
    )
    for request in requests:
        for item in request.items.all():
            found[(request.object_id, item.field)] = request
    return found


def _same_number(sent: str, current: str) -> bool:
    """XLSX gives 560 back as "560" or "560.0": not a change."""
    try:
        return float(sent.replace(",", ".")) == float(current.replace(",", "."))
    except ValueError:
        return False


# The contractor's latest requests their screen lists (with the counts of all of them).
SUBMISSIONS_SHOWN = 50


def submissions(user):
    """What became of the contractor's corrections: the number of their requests in each
    state, and the latest ones, newest first.

    Read here, by author, and not through the request screens' row rule, which gives outside
    roles nothing because those screens show the record and its values. The contractor's
    screen shows of each request only what the contractor sent or may read: its number and
    date, the file and row it came from, the record's type and ID (the workbook's ID column),
    the fields and the state; never the record's name or a value (152-FZ)."""
    mine = own_requests(user)
    counts = dict(mine.values_list("state").annotate(n=Count("pk")).order_by())
    latest = list(
        mine.select_related("content_type")
        .prefetch_related("items")
        .order_by("-pk")[:SUBMISSIONS_SHOWN]
    )
    _with_reasons(latest)
    return counts, latest


def _with_reasons(requests) -> None:
    """Why each rejected or returned request was turned down: the approver's latest comment,
    written for the author (the decision form warns that the contractor reads it), as
    ``reason`` on each."""
    from crm.approvals.models import Decision, RequestState, Verdict

    turned = [r.pk for r in requests if r.state in (RequestState.REJECTED, RequestState.RETURNED)]
    reasons = {}
    for request_id, comment in (
        Decision.objects.filter(request_id__in=turned, verdict__in=[Verdict.REJECT, Verdict.RETURN])
        .order_by("request_id", "-pk")
        .values_list("request_id", "comment")
    ):
        reasons.setdefault(request_id, comment)
    for request in requests:
        request.reason = reasons.get(request.pk, "")


# The returned requests the workspace offers for rework, oldest first.
RETURNED_SHOWN = 100


def own_requests(user):
    """The contractor's own requests, read by author (see ``submissions``)."""
    from crm.approvals.models import ChangeRequest

    return ChangeRequest.objects.filter(author=user, source=Source.CONTRACTOR)


def returned(user) -> list:
    """The contractor's requests an approver returned for rework, each with the approver's
    reason (``reason``), oldest first: the first returned is the first to correct. A form
    for one shows only the values the contractor sent (the items' new values): never the
    record's current ones."""
    from crm.approvals.models import RequestState

    found = list(
        own_requests(user)
        .filter(state=RequestState.RETURNED)
        .select_related("content_type")
        .prefetch_related("items")
        .order_by("pk")[:RETURNED_SHOWN]
    )
    _with_reasons(found)
    return found
