"""Reads about clients used by several pages: search, choices, next steps."""

import hashlib

from django.apps import apps
from django.db import connection
from django.db.models import BooleanField, CharField, Count, ExpressionWrapper, Q, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.clients import requisites
from crm.clients.models import DEALER_KINDS, Contact, Interaction, NormName, Organisation
from crm.core import access, memo
from crm.core.lookups import ColumnsExpression, PatternMatch, like_pattern

CHOICES_TTL = 300  # dictionaries change rarely; a new value shows in filters within minutes


def dictionary_choices(label: str) -> tuple[tuple[int, str], ...]:
    """(id, name) of a dictionary's active values, kept per process for a few minutes."""

    def build():
        model = apps.get_model(label)
        return tuple(model.objects.filter(is_active=True).values_list("pk", "name"))

    return memo.remembered(f"choices:{label}", CHOICES_TTL, build)


def owner_choices(user=None) -> tuple[tuple[int, str], ...]:
    """Managers one may filter by: everyone for company-wide roles, otherwise the people of
    the user's own units and team. Cached for a minute per such set."""
    scope = access.scope_of(user) if user is not None else None
    narrow = scope is not None and not scope.view_all
    key = "choices:owners"
    if narrow:
        units, team = sorted(scope.org_unit_ids), sorted(scope.team_ids)
        people = ",".join(map(str, units)) + ":" + ",".join(map(str, team))
        key += ":" + hashlib.sha256(people.encode()).hexdigest()[:32]

    def build():
        user_model = apps.get_model("accounts", "User")
        users = user_model.objects.filter(is_active=True, position__isnull=False)
        if narrow:
            users = users.filter(Q(position__org_unit_id__in=units) | Q(pk__in=team))
        users = users.only("pk", "last_name", "first_name", "middle_name", "username")
        return tuple((person.pk, str(person)) for person in users)

    return memo.remembered(key, 60, build)


def organisations_to_attach(user):
    """Organisations a contact or bank account may be attached to: those the user may change
    (the forms' choices and their picker's, crm.clients.views.OrganisationChoicesView)."""
    return Organisation.objects.restrict(user, "change")


def dealer_choices(user, kinds=DEALER_KINDS):
    """Dealers (and sub-dealers, by ``kinds``) the user sees: an organisation's parent dealer,
    an outlet's dealer (the forms' choices and their picker's)."""
    return Organisation.objects.restrict(user).filter(kind__in=kinds)


def organisation_detail(user):
    """What tells organisations of one name apart in a picker: INN and region, where the user
    may see them. A function of the organisation, built once per request."""
    visible = access.visible_fields(user, Organisation)
    show_inn, show_region = "inn" in visible, "region" in visible

    def detail(org) -> str:
        parts = []
        if show_inn and org.inn:
            parts.append(_("INN %(inn)s") % {"inn": org.inn})
        if show_region and org.region_id:
            parts.append(org.region.name)
        return " · ".join(parts)

    return detail


def organisation_search(queryset, text: str, user):
    """Find organisations by phone (any format), INN prefix or name, in fields the user sees.

    Ten or twelve bare digits are an INN (they would parse as a phone too); a phone is typed
    with its 8 / +7 or with brackets and dashes.
    """
    return organisation_search_with(queryset, *organisation_search_parameters(text, user))


def name_match(text: str, fields) -> Q:
    """Organisations one of whose ``fields`` contains ``text``, both compared without legal
    form, quotes, punctuation, case or Ё (ux.md): "ООО Ромашка", "Ромашка" and "«РОМАШКА»"
    find «ООО «Ромашка»», and "Сервис Ойл" finds «Сервис-Ойл». Served by the trigram indexes on
    the normalised names (migrations 0011 and 0019).

    A text that is little more than a legal form ("ООО", "ИП Ли") normalises to under three
    letters, which would match nearly every name and which no trigram index serves; it is then
    matched as typed, case aside. PostgreSQL folds the test on the constant text when it plans
    the query, so only one of the two conditions runs.
    """
    return Q(NameContains(text, fields)) if fields else Q(pk__in=[])


class NameContains(ColumnsExpression):
    """The condition of ``name_match`` as one node of the query.

    Built from lookups (``Contains(NormName(field), NormName(Value(text)))``, ``icontains``
    and the length test, for each field) it was some thirty expressions that a search page
    built and compiled on every request: 0.9 ms of a 6.4 ms page, more than PostgreSQL spends
    on the query. This writes the same SQL, operator for operator (the trigram index and the
    constant folding see no difference), from the fields' resolved columns."""

    conditional = True
    output_field = BooleanField()
    MIN_LENGTH = 3  # normalised letters below which a name is matched as typed

    def __init__(self, text: str, fields, as_typed: str | None = None):
        super().__init__(*fields)
        self.text = text
        # The LIKE pattern of the text as typed: given by a search kept per shape (ADR 0021).
        self.as_typed = as_typed

    def as_sql(self, compiler, connection):
        norm = NormName.function
        typed = f"{norm}(%s)"
        short = f"LENGTH({typed}) < %s"
        pattern = connection.pattern_ops["contains"].format(
            connection.pattern_esc.format(f"({typed})")
        )
        as_typed = self.as_typed or like_pattern("contains", self.text)
        parts, params = [], []
        for column in self.columns:
            sql, column_params = compiler.compile(column)
            parts.append(
                f"(NOT ({short}) AND {norm}({sql})::text {pattern}) "
                f"OR ({short} AND UPPER({sql}::text) LIKE UPPER(%s))"
            )
            params += [self.text, self.MIN_LENGTH, *column_params, self.text]
            params += [self.text, self.MIN_LENGTH, *column_params, as_typed]
        return "(" + " OR ".join(parts) + ")", params


def organisation_search_parameters(text: str, user) -> tuple[tuple, tuple]:
    """The organisation search for ``text`` as (shape, values), as
    ``contact_search_parameters`` gives them."""
    visible = access.visible_fields(user, Organisation)
    digits = text.replace(" ", "")
    is_number = digits.isdigit()
    phone = None if is_number and len(digits) in (10, 12) else requisites.phone_search_key(text)
    if phone and "phone" in visible:
        fields = ()
        if user.has_perm(access.permission_name(Contact, "view")):
            contact_visible = access.visible_fields(user, Contact)
            fields = tuple(f for f in ("phone", "mobile") if f in contact_visible)
        return ("phone", *fields), (phone,)
    if is_number and len(digits) >= 4 and "inn" in visible:
        return ("inn",), (like_pattern("startswith", digits),)
    fields = tuple(field for field in ("name", "legal_name") if field in visible)
    if not fields:
        return ("none",), ()
    return ("name", *fields), (text, like_pattern("contains", text))


def organisation_search_with(queryset, shape: tuple, values: tuple):
    kind = shape[0]
    if kind == "phone":
        return queryset.filter(pk__in=_organisations_with_phone(values[0], shape[1:]))
    if kind == "inn":
        return queryset.filter(PatternMatch("inn", "startswith", values[0]))
    if kind == "name":
        return queryset.filter(NameContains(values[0], shape[1:], as_typed=values[1]))
    return queryset.none()


def _organisations_with_phone(phone: str, contact_fields) -> RawSQL:
    """Ids of organisations with this phone, their own or one of their contacts' (in
    ``contact_fields``, those of the contacts' phones the user may see), as one subquery: a
    UNION of index lookups. (An OR with EXISTS in one WHERE makes PostgreSQL scan every
    organisation: 0.7-1 s at 300k.)

    Written as SQL: the same UNION built as two querysets cost a phone search 0.4 ms of its
    5.8 ms to build and compile, more than PostgreSQL spends running it."""
    organisations = Organisation._meta
    parts = [
        f'SELECT "{organisations.pk.column}" FROM "{organisations.db_table}" '  # noqa: S608
        f'WHERE "{organisations.get_field("phone").column}" = %s'
    ]
    params = [phone]
    if contact_fields:
        contacts = Contact._meta
        matches = " OR ".join(f'"{contacts.get_field(f).column}" = %s' for f in contact_fields)
        parts.append(
            f'SELECT "{contacts.get_field("organisation").column}" '  # noqa: S608
            f'FROM "{contacts.db_table}" WHERE {matches}'
        )
        params += [phone] * len(contact_fields)
    return RawSQL(" UNION ".join(parts), params)  # noqa: S611 (names from the models; values as params)


def contact_search(queryset, text: str, user):
    """Find contacts by phone (any format), e-mail (exact, any case) or the beginning of the
    last (and first) name, in the fields the user sees."""
    return contact_search_with(queryset, *contact_search_parameters(text, user))


def contact_search_parameters(text: str, user) -> tuple[tuple, tuple]:
    """The contact search for ``text`` as (shape, values): the branch and fields, which decide
    the statement's text, and the parameters the text gives, which ``contact_search_with``
    passes to the database as they are (a list remembers the statement per shape)."""
    visible = access.visible_fields(user, Contact)
    phone = requisites.phone_search_key(text)
    if phone and ("phone" in visible or "mobile" in visible):
        return ("phone", *(f for f in ("phone", "mobile") if f in visible)), (phone,)
    if "@" in text:
        return (("email",), (text,)) if "email" in visible else (("none",), ())
    if "last_name" not in visible:
        return ("none",), ()
    words = text.upper().split()[: 2 if "first_name" in visible else 1]
    like = connection.ops.prep_for_like_query
    return ("name", len(words)), tuple(like(word) + "%" for word in words)


def contact_search_with(queryset, shape: tuple, values: tuple):
    kind = shape[0]
    if kind == "phone":
        condition = Q()
        for field in shape[1:]:
            condition |= Q(**{field: values[0]})
        return queryset.filter(condition)
    if kind == "email":
        return queryset.filter(email__iexact=values[0])
    if kind == "name":
        return name_prefix_search(queryset, values)
    return queryset.none()


def name_prefix_search(queryset, patterns):
    """Contacts whose last name (and first name, for a second word) starts with the words typed:
    "Иванов", "иван", "Иванов Пётр", as upper-case LIKE patterns ("ИВАНОВ%"). One btree index
    in byte order gives both the prefix range and the sort, so a common surname costs as
    little as a rare one."""
    queryset = queryset.filter(StartsWithC("last_name", patterns[0]))
    if len(patterns) > 1:
        queryset = queryset.filter(StartsWithC("first_name", patterns[1]))
    return queryset.order_by(UpperC("last_name").asc(), UpperC("first_name").asc(), "pk")


class UpperC(ColumnsExpression):
    """``UPPER(field) COLLATE "C"``, the key of the contacts' byte-order name indexes.

    The same SQL as ``Collate(Upper(F(field)), "C")``, and the same prefix test as that under
    an ``alias()`` filtered with ``__startswith`` (``StartsWithC``), in one node each. The
    nested expressions and the lookup were built, copied, hashed and compiled on every
    contact search: 0.25 ms of Python a page, more than the index scan takes."""

    output_field = CharField()
    template = 'UPPER({}) COLLATE "C"'

    def __init__(self, field: str):
        super().__init__(field)

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.columns[0])
        return self.template.format(sql), params


class StartsWithC(UpperC):
    """``UPPER(field) COLLATE "C"`` matches ``pattern`` (an upper-case LIKE pattern, "ИВАНОВ%"),
    written as the ``startswith`` lookup writes it, so the index serves it the same way."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, field: str, pattern: str):
        super().__init__(field)
        self.pattern = pattern

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.columns[0])
        like = connection.operators["startswith"] % "%s"
        return f"{self.template.format(sql)}::text {like}", [*params, self.pattern]


def next_steps(user, *, limit: int = 10) -> dict:
    """The user's open next steps due today and overdue: up to ``limit`` of each (today's are
    never crowded out by a long overdue list), and how many there are in all; one query."""
    today = timezone.localdate()
    late = ExpressionWrapper(Q(next_step_date__lt=today), output_field=BooleanField())
    rows = list(
        Interaction.objects.filter(author=user, next_step_done=False, next_step_date__lte=today)
        .filter(access.row_filter(Interaction, user, "view"))
        .select_related("organisation")
        # what the list shows: the client's name and the step (not 30 columns of the client)
        .only("organisation__name", "next_step", "next_step_date")
        .annotate(
            late=late,
            rank=Window(RowNumber(), partition_by=[late], order_by=["next_step_date", "id"]),
            in_group=Window(Count("pk"), partition_by=[late]),
        )
        .filter(rank__lte=limit)
        .order_by("next_step_date", "id")
    )
    overdue = [row for row in rows if row.late]
    due_today = [row for row in rows if not row.late]
    return {
        "overdue": overdue,
        "today": due_today,
        "overdue_count": overdue[0].in_group if overdue else 0,
        "today_count": due_today[0].in_group if due_today else 0,
    }
