"""Likely duplicates of organisations and contacts: same INN and KPP, same phone (E.164), same
e-mail, or a similar name (pg_trgm similarity of the names without legal forms and quotes).

Only rows the user may view are returned. The name test runs in SQL over
``clients_norm_name(name)``, an IMMUTABLE function with a trigram index (migration 0011):
about 30 ms at 300,000 organisations.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, FloatField, Func, Q, TextField, Value
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

from crm.clients import requisites
from crm.clients.models import Contact, Organisation
from crm.core import access

NAME_SIMILARITY = 0.6


@dataclass
class Candidate:
    """A record that looks like the one being entered, and why."""

    obj: object
    reasons: list[str] = field(default_factory=list)
    similarity: float = 0.0

    @property
    def url(self) -> str:
        return self.obj.get_absolute_url()


def normalise_name(name: str) -> str:
    """The name as the database compares it: upper case, no legal form, quotes or punctuation."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clients_norm_name(%s)", [name or ""])
        return cursor.fetchone()[0] or ""


def e164(phone: str) -> str:
    """A phone in E.164, or "" when it does not read as a phone number."""
    return requisites.phone_search_key(phone) or "" if phone else ""


class _Found:
    """Candidates collected by pk, reasons in the order the checks ran."""

    def __init__(self, exclude_pk):
        self.exclude_pk = exclude_pk
        self.by_pk: dict[int, Candidate] = {}

    def add(self, rows, reason: str, similarity: float = 0.0):
        for obj in rows:
            if obj.pk == self.exclude_pk:
                continue
            candidate = self.by_pk.setdefault(obj.pk, Candidate(obj))
            if reason not in candidate.reasons:
                candidate.reasons.append(reason)
            candidate.similarity = max(candidate.similarity, similarity)

    def result(self, limit: int) -> list[Candidate]:
        found = sorted(
            self.by_pk.values(), key=lambda c: (-len(c.reasons), -c.similarity, c.obj.pk)
        )
        return found[:limit]


def organisation_duplicates(
    user,
    *,
    inn="",
    kpp="",
    phone="",
    email="",
    name="",
    legal_name="",
    exclude_pk=None,
    limit=10,
) -> list[Candidate]:
    """Organisations the user may view that look like the one described."""
    visible = access.restrict(Organisation.objects.all(), user, "view").exclude(pk=exclude_pk)
    found = _Found(exclude_pk)
    if inn:
        same = visible.filter(inn=inn, kpp=kpp or "")
        found.add(same[:limit], _("same INN and KPP") if kpp else _("same INN"))
    number = e164(phone)
    if number:
        found.add(visible.filter(phone=number)[:limit], _("same phone"))
        by_contact = Contact.objects.filter(Q(phone=number) | Q(mobile=number))
        owners = by_contact.values("organisation_id")[: limit * 5]
        found.add(visible.filter(pk__in=owners)[:limit], _("same phone as a contact"))
    if email:
        same = visible.annotate(upper_email=Upper("email")).filter(upper_email=email.upper())
        found.add(same[:limit], _("same e-mail"))
        by_contact = Contact.objects.annotate(upper_email=Upper("email"))
        owners = by_contact.filter(upper_email=email.upper()).values("organisation_id")
        found.add(visible.filter(pk__in=owners[: limit * 5])[:limit], _("same e-mail as a contact"))
    for typed in {normalise_name(name), normalise_name(legal_name)} - {""}:
        for obj in _similar_names(visible, typed, limit):
            reason = similar_name_reason(obj.name_similarity)
            found.add([obj], reason, obj.name_similarity)
    return found.result(limit)


def similar_name_reason(similarity: float) -> str:
    return _("similar name (%(percent)s%%)") % {"percent": round(similarity * 100)}


def _similar_names(queryset, normalised: str, limit: int) -> list:
    """Rows whose normalised name is at least NAME_SIMILARITY like ``normalised`` (indexed)."""
    norm = Func(F("name"), function="clients_norm_name", output_field=TextField())
    score = Func(norm, Value(normalised), function="similarity", output_field=FloatField())
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The % operator uses this threshold and the trigram index; SET LOCAL ends with
            # the transaction.
            cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [NAME_SIMILARITY])
        rows = (
            queryset.alias(norm_name=norm)
            .filter(norm_name__trigram_similar=normalised)
            .annotate(name_similarity=score)
            .order_by("-name_similarity", "pk")[:limit]
        )
        rows = list(rows)
    for obj in rows:
        obj.name_similarity = float(obj.name_similarity)
    return [obj for obj in rows if obj.name_similarity >= NAME_SIMILARITY]


def contact_duplicates(
    user,
    *,
    phone="",
    mobile="",
    email="",
    email_secondary="",
    last_name="",
    first_name="",
    organisation=None,
    exclude_pk=None,
    limit=10,
) -> list[Candidate]:
    """Contacts the user may view with the same phone or e-mail, or the same name at the same
    organisation."""
    visible = access.restrict(Contact.objects.all(), user, "view").select_related("organisation")
    visible = visible.exclude(pk=exclude_pk)
    found = _Found(exclude_pk)
    numbers = {e164(phone), e164(mobile)} - {""}
    if numbers:
        same = visible.filter(Q(phone__in=numbers) | Q(mobile__in=numbers))
        found.add(same[:limit], _("same phone"))
    emails = {e.upper() for e in (email, email_secondary) if e}
    if emails:
        same = visible.annotate(upper_email=Upper("email")).filter(upper_email__in=emails)
        found.add(same[:limit], _("same e-mail"))
    if last_name and organisation is not None:
        same = visible.filter(
            organisation=organisation,
            last_name__iexact=last_name.strip(),
            first_name__iexact=(first_name or "").strip(),
        )
        found.add(same[:limit], _("same name at the same organisation"))
    return found.result(limit)


# Values per look-up in an import's duplicate check. Past a few hundred, PostgreSQL's estimate
# for a column whose values repeat (contact phones, e-mails) tips to a sequential scan of the
# whole table: 2,000 contact phones took 237 ms in one query, 18 ms as ten of 200 (1,000,000
# contacts).
LOOKUP_BATCH = 200


def _batches(values):
    values = list(values)
    for start in range(0, len(values), LOOKUP_BATCH):
        yield values[start : start + LOOKUP_BATCH]


def organisations_like_new_rows(user, creates, *, existing_up_to, name_rows=0) -> list[tuple]:
    """Likely duplicates of the new organisations of an import, for its check.

    ``creates`` is [(row number, unsaved Organisation)]. INNs, phones and e-mails of every row
    are compared in a few bulk queries; names (one indexed query each) for the first
    ``name_rows`` rows. Only records up to ``existing_up_to`` (those before the import) count.
    Returns [(row number, field name, message)].
    """
    visible = access.restrict(Organisation.objects.all(), user, "view").filter(
        pk__lte=existing_up_to
    )
    hits: dict[int, dict] = {}  # row -> {pk: (name, [reasons], field)}

    def note(number, pk, name, reason, field_name):
        entry = hits.setdefault(number, {}).setdefault(pk, [name, [], field_name])
        if reason not in entry[1]:
            entry[1].append(reason)

    def by_value(column, values, reason, field_name, rows_of):
        for batch in _batches(values):
            for pk, name, value in (
                visible.filter(**{f"{column}__any": batch})
                .order_by()
                .values_list("pk", "name", column)
            ):
                for number in rows_of.get(value, ()):
                    note(number, pk, name, reason, field_name)

    inns, phones, emails = {}, {}, {}
    for number, obj in creates:
        if obj.inn:
            inns.setdefault(obj.inn, []).append(number)
        if obj.phone:
            phones.setdefault(obj.phone, []).append(number)
        if obj.email:
            emails.setdefault(obj.email.upper(), []).append(number)
    by_value("inn", inns, _("same INN"), "inn", inns)
    by_value("phone", phones, _("same phone"), "phone", phones)
    for batch in _batches(phones):
        owners = Contact.objects.filter(Q(phone__any=batch) | Q(mobile__any=batch))
        for pk, name, phone, mobile in (
            visible.filter(pk__in=owners.values("organisation_id"))
            .order_by()
            .values_list("pk", "name", "contacts__phone", "contacts__mobile")
        ):
            for value in {phone, mobile} & set(batch):
                for number in phones[value]:
                    note(number, pk, name, _("same phone as a contact"), "phone")
    upper_emails = visible.annotate(upper_email=Upper("email")).order_by()
    for batch in _batches(emails):
        same = upper_emails.filter(upper_email__any=batch)
        for pk, name, value in same.values_list("pk", "name", "upper_email"):
            for number in emails.get(value, ()):
                note(number, pk, name, _("same e-mail"), "email")
    for number, obj in creates[:name_rows]:
        typed = normalise_name(obj.name)
        if typed:
            for match in _similar_names(visible, typed, 3):
                reason = similar_name_reason(match.name_similarity)
                note(number, match.pk, match.name, reason, "name")
    warnings = []
    for number in sorted(hits):
        for pk, (name, reasons, field_name) in list(hits[number].items())[:3]:
            message = _("Possibly the same as “%(name)s” (no. %(pk)s): %(reasons)s.") % {
                "name": name,
                "pk": pk,
                "reasons": ", ".join(reasons),
            }
            warnings.append((number, field_name, message))
    return warnings


def contacts_like_new_rows(user, creates, *, existing_up_to, name_rows=0) -> list[tuple]:
    """Likely duplicates of the new contacts of an import, for its check: contacts the user
    may view (at any organisation) with the same phone or mobile, or the same e-mail. A few
    bulk queries for the whole chunk. ``creates`` is [(row number, unsaved Contact)]; returns
    [(row number, field name, message)]."""
    visible = access.restrict(Contact.objects.all(), user, "view").filter(pk__lte=existing_up_to)
    phones: dict[str, list[tuple[int, str]]] = {}
    emails: dict[str, list[tuple[int, str]]] = {}
    for number, obj in creates:
        for name in ("phone", "mobile"):
            value = getattr(obj, name)
            if value:
                phones.setdefault(value, []).append((number, name))
        for name in ("email", "email_secondary"):
            value = getattr(obj, name)
            if value:
                emails.setdefault(value.upper(), []).append((number, name))
    hits: dict[tuple[int, str], dict[int, tuple[str, set]]] = {}

    def note(rows, pk, label, reason):
        for number, field_name in rows:
            entry = hits.setdefault((number, field_name), {}).setdefault(pk, (label, set()))
            entry[1].add(reason)

    for batch in _batches(phones):
        same = visible.filter(Q(phone__any=batch) | Q(mobile__any=batch)).order_by()
        for pk, last, first, org, phone, mobile in same.values_list(
            "pk", "last_name", "first_name", "organisation__name", "phone", "mobile"
        ):
            label = f"{last} {first}".strip() + (f", {org}" if org else "")
            for value in {phone, mobile} & set(batch):
                note(phones[value], pk, label, _("same phone"))
    upper_emails = visible.annotate(upper_email=Upper("email")).order_by()
    for batch in _batches(emails):
        same = upper_emails.filter(upper_email__any=batch)
        for pk, last, first, org, value in same.values_list(
            "pk", "last_name", "first_name", "organisation__name", "upper_email"
        ):
            label = f"{last} {first}".strip() + (f", {org}" if org else "")
            note(emails[value], pk, label, _("same e-mail"))
    warnings = []
    for (number, field_name), found in sorted(hits.items()):
        for pk, (label, reasons) in list(found.items())[:3]:
            message = _("Possibly the same as “%(name)s” (no. %(pk)s): %(reasons)s.") % {
                "name": label,
                "pk": pk,
                "reasons": ", ".join(sorted(reasons)),
            }
            warnings.append((number, field_name, message))
    return warnings
