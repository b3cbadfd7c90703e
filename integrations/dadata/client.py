"""DaData `findById/party`: company requisites by INN (docs/reference/integrations.md, section 7).

``find_party(inn, kpp=None)`` returns the parties DaData knows under that INN (an empty list when
it knows none) or raises a ``DadataError`` whose ``message`` is shown to the user as it is.
"""

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.clients import requisites

PATH = "/findById/party"
# At most this many parties come back (DaData's own default; its maximum is 300).
COUNT = 10
# One short retry after a 429 (too many requests a second); never a loop.
RATE_LIMIT_PAUSE = 0.5

_local = threading.local()
logger = logging.getLogger(__name__)


class DadataError(Exception):
    """A lookup that failed for a reason the user can read; ``message`` is translatable."""

    code = "error"
    message = _("The company lookup failed.")

    def __init__(self, message=None, *, field: str = "", detail: str = ""):
        if message is not None:
            self.message = message
        self.field = field  # the form field the message belongs to, if any
        self.detail = detail  # what the service said, for the log; never shown
        super().__init__(str(self.message) + (f" ({detail})" if detail else ""))


class NotConfiguredError(DadataError):
    code = "not_configured"
    message = _("Company lookup by INN is not set up: ask the administrator for a DaData key.")


class InvalidRequisiteError(DadataError):
    """The INN or KPP typed is malformed; nothing was sent."""

    code = "invalid"


class InvalidKeyError(DadataError):
    code = "invalid_key"
    message = _("DaData did not accept the API key: ask the administrator to check it.")


class KeyRefusedError(InvalidKeyError):
    message = _(
        "DaData refused the API key: it is wrong or not confirmed, or today's request limit "
        "is used up. Fill in the requisites by hand or try again tomorrow."
    )


class RateLimitedError(DadataError):
    code = "rate_limited"
    message = _("DaData is receiving too many requests right now: try again in a minute.")


class UnavailableError(DadataError):
    code = "unavailable"
    message = _("DaData is not answering right now: try again later or fill in the requisites.")


class RefusedError(DadataError):
    """DaData turned the request down (400, 405, 413...): a fault on our side."""

    code = "refused"
    message = _("DaData could not process this request: fill in the requisites by hand.")


class BadAnswerError(DadataError):
    code = "bad_answer"
    message = _("DaData sent an answer that could not be read: try again later.")


@dataclass(frozen=True)
class Party:
    """One organisation or sole proprietor as DaData knows it (a branch is a party of its own)."""

    inn: str
    kpp: str
    ogrn: str
    type: str  # LEGAL or INDIVIDUAL
    branch_type: str  # MAIN or BRANCH ("" for a sole proprietor)
    name_full: str  # with the legal form: ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "..."
    name_short: str  # with the legal form: ООО "..."
    address: str  # as people write it
    address_full: str  # with the postcode
    region_code: str  # two-digit subject code from the address's KLADR id, or ""
    management_name: str
    management_post: str
    status: str  # ACTIVE, LIQUIDATING, LIQUIDATED, BANKRUPT, REORGANIZING
    okved: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"


def find_party(inn: str, kpp: str | None = None) -> list[Party]:
    """The parties registered under an INN: the head office, or the branch with this KPP."""
    key = (settings.DADATA_API_KEY or "").strip()
    if not key:
        raise NotConfiguredError()
    inn, kpp = _checked_query(inn, kpp)
    body: dict[str, Any] = {"query": inn, "count": COUNT}
    if kpp:
        body["kpp"] = kpp
    elif len(inn) == 10:  # sole proprietors have no branches
        body["branch_type"] = "MAIN"
    try:
        answer = _post(settings.DADATA_URL.rstrip("/") + PATH, key, body)
        return [_party(item) for item in _suggestions(answer)]
    except DadataError as error:
        logger.warning("DaData findById/party failed: %s", error)
        raise


def _checked_query(inn, kpp) -> tuple[str, str]:
    try:
        inn = requisites.check_inn(inn)
    except ValidationError as error:
        raise InvalidRequisiteError(error.messages[0], field="inn") from error
    if not kpp:
        return inn, ""
    if len(inn) == 12:
        raise InvalidRequisiteError(_("A sole proprietor has no KPP: leave it empty."), field="kpp")
    try:
        return inn, requisites.check_kpp(kpp)
    except ValidationError as error:
        raise InvalidRequisiteError(error.messages[0], field="kpp") from error


def _session() -> requests.Session:
    """One keep-alive session per thread (DaData limits new connections a minute per IP)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def _post(url: str, key: str, body: dict) -> Any:
    headers = {
        "Authorization": f"Token {key}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    for attempt in (1, 2):
        try:
            response = _session().post(
                url, json=body, headers=headers, timeout=settings.INTEGRATION_TIMEOUT
            )
        except requests.Timeout as error:
            raise UnavailableError(detail=f"timeout: {error}") from error
        except requests.RequestException as error:
            raise UnavailableError(detail=f"network: {error}") from error
        if response.status_code == 429 and attempt == 1:
            response.close()
            time.sleep(RATE_LIMIT_PAUSE + random.uniform(0, RATE_LIMIT_PAUSE))  # noqa: S311
            continue
        return _read(response)
    raise AssertionError("unreachable")  # pragma: no cover


def _read(response: requests.Response) -> Any:
    status = response.status_code
    detail = f"HTTP {status}: {response.text[:200]}"
    if status == 401:
        raise InvalidKeyError(detail=detail)
    if status == 403:
        raise KeyRefusedError(detail=detail)
    if status == 429:
        raise RateLimitedError(detail=detail)
    if status >= 500:
        raise UnavailableError(detail=detail)
    if status != 200:
        raise RefusedError(detail=detail)
    try:
        return response.json()
    except ValueError as error:
        raise BadAnswerError(detail=detail) from error


def _suggestions(answer: Any) -> list[dict]:
    suggestions = answer.get("suggestions") if isinstance(answer, dict) else None
    if not isinstance(suggestions, list):
        raise BadAnswerError(detail=f"no suggestions list in {str(answer)[:200]}")
    return [item for item in suggestions if isinstance(item, dict)]


def _dig(data: Any, *path: str) -> str:
    """A nested text value, or "" where any step is missing or null (free plans send nulls)."""
    for key in path:
        if not isinstance(data, dict):
            return ""
        data = data.get(key)
    return "" if data is None or isinstance(data, dict | list) else str(data).strip()


def _party(item: dict) -> Party:
    data = item.get("data") if isinstance(item.get("data"), dict) else {}
    name_full = _dig(data, "name", "full_with_opf")
    name_short = _dig(data, "name", "short_with_opf") or _dig(item, "value") or name_full
    address = _dig(data, "address", "value")
    return Party(
        inn=_dig(data, "inn"),
        kpp=_dig(data, "kpp"),
        ogrn=_dig(data, "ogrn"),
        type=_dig(data, "type"),
        branch_type=_dig(data, "branch_type"),
        name_full=name_full or name_short,
        name_short=name_short,
        address=address,
        address_full=_dig(data, "address", "unrestricted_value") or address,
        region_code=_dig(data, "address", "data", "region_kladr_id")[:2],
        management_name=_dig(data, "management", "name"),
        management_post=_dig(data, "management", "post"),
        status=_dig(data, "state", "status"),
        okved=_dig(data, "okved"),
        raw=item,
    )
