"""Organisation requisites filled in from DaData by INN: values for the organisation form, only
for the fields the user may edit, with the user's own organisations that already have that INN."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from crm.clients import requisites
from crm.clients.models import CounterpartyType, Organisation
from crm.core import access
from crm.refs.models import Region
from integrations.dadata import client as dadata
from integrations.dadata.client import DadataError, Party

# How DaData's registry states read to the user; ACTIVE needs no word.
STATE_WARNINGS = {
    "LIQUIDATING": _("The organisation is being liquidated."),
    "LIQUIDATED": _("The organisation has been liquidated."),
    "BANKRUPT": _("The organisation has been declared bankrupt."),
    "REORGANIZING": _("The organisation is being reorganised."),
}
MAX_DUPLICATES = 5


def organisation_autofill(user, inn: str, kpp: str = "", *, exclude_pk: int | None = None) -> dict:
    """What DaData knows about the INN (and KPP), mapped onto the organisation form.

    ``candidates`` holds one entry per party found (a head office, a branch; active ones first),
    ``fields`` the first one's values. ``exclude_pk`` is the organisation being edited, left
    out of the duplicates. Raises ``DadataError`` (its ``message`` is for the user) and
    ``PermissionDenied`` for a user who may neither add nor change organisations.
    """
    if not (
        user.has_perm("clients.add_organisation") or user.has_perm("clients.change_organisation")
    ):
        raise PermissionDenied
    parties = sorted(dadata.find_party(inn, kpp or None), key=_rank)
    candidates = [_candidate(user, party, exclude_pk) for party in parties]
    if candidates:
        message = ""
    elif kpp:
        message = _("DaData knows no branch with this INN and KPP.")
    else:
        message = _("DaData knows no organisation with this INN.")
    return {
        "found": bool(candidates),
        "message": str(message),
        "fields": candidates[0]["fields"] if candidates else {},
        "candidates": candidates,
    }


def autofill_error(error: DadataError) -> dict:
    """The answer for a lookup that failed: the message in the user's language, and the field
    it belongs to ("inn", "kpp" or "")."""
    return {
        "found": False,
        "error": error.code,
        "message": str(error.message),
        "field": error.field,
    }


def _rank(party: Party) -> tuple[bool, bool]:
    return (not party.is_active, party.branch_type == "BRANCH")


def _candidate(user, party: Party, exclude_pk) -> dict:
    visible = access.visible_fields(user, Organisation)
    warnings = [str(STATE_WARNINGS[party.status])] if party.status in STATE_WARNINGS else []
    return {
        "label": _label(party, show_kpp="kpp" in visible),
        "branch": party.branch_type == "BRANCH",
        "active": party.is_active,
        "warnings": warnings,
        "fields": organisation_fields(user, party),
        "duplicates": _duplicates(user, party, visible, exclude_pk),
    }


def _label(party: Party, *, show_kpp: bool) -> str:
    parts = [party.name_short]
    if party.branch_type == "BRANCH":
        parts.append(str(_("branch")))
    if show_kpp and party.kpp:
        parts.append(str(_("KPP %(kpp)s")) % {"kpp": party.kpp})
    if party.address:
        parts.append(party.address)
    return " · ".join(p for p in parts if p)


def organisation_fields(user, party: Party) -> dict:
    """The party's values keyed by organisation form field, for the fields the user may edit."""
    individual = party.type == "INDIVIDUAL" or len(party.inn) == 12
    values = {
        "inn": _checked(requisites.check_inn, party.inn),
        "kpp": "" if individual else _checked(requisites.check_kpp, party.kpp),
        "ogrn": _checked(
            requisites.check_ogrnip if len(party.ogrn) == 15 else requisites.check_ogrn,
            party.ogrn,
        ),
        "counterparty_type": (
            CounterpartyType.ENTREPRENEUR if individual else CounterpartyType.LEGAL_ENTITY
        ).value,
        "name": _fit(Organisation, "name", party.name_short),
        "legal_name": _fit(Organisation, "legal_name", party.name_full),
        "legal_address": _fit(Organisation, "legal_address", party.address_full),
        "region": _region_id(party.region_code),
    }
    editable = access.editable_fields(user, Organisation)
    return {
        name: value
        for name, value in values.items()
        if name in editable and (value not in ("", None) or (name == "kpp" and individual))
    }


def _checked(check, value: str) -> str:
    """The value normalised by our own checker; "" where DaData's value does not pass it."""
    if not value:
        return ""
    try:
        return check(value)
    except ValidationError:
        return ""


def _fit(model, name: str, value: str) -> str:
    return value[: model._meta.get_field(name).max_length]


def _region_id(code: str) -> int | None:
    if not code:
        return None
    return Region.objects.filter(code=code, is_active=True).values_list("pk", flat=True).first()


def _duplicates(user, party: Party, visible: set[str], exclude_pk) -> list[dict]:
    """Organisations the user can see with the same INN (and KPP, where it has one).

    Asked only of a user who sees the INN field: otherwise the hint would reveal it.
    """
    if "inn" not in visible or not party.inn:
        return []
    rows = Organisation.objects.restrict(user, "view").filter(inn=party.inn)
    if party.kpp and "kpp" in visible:
        rows = rows.filter(kpp=party.kpp)
    if exclude_pk:
        rows = rows.exclude(pk=exclude_pk)
    show_name = "name" in visible
    return [
        {
            "id": org.pk,
            "name": org.name if show_name else str(_("Organisation #%(id)s")) % {"id": org.pk},
            "url": org.get_absolute_url(),
            "archived": org.is_archived,
        }
        for org in rows.only("pk", "name", "is_archived").order_by("pk")[:MAX_DUPLICATES]
    ]
