"""A thin client for the 1C standard OData interface (docs/reference/integrations.md, 2.2).

Read-only and synchronous, for the nightly pull of dictionaries and sales::

    client = ODataClient("https://1c.example/base/odata/standard.odata", "CRM_ODATA", "secret")
    missing = client.metadata().missing({"Catalog_Контрагенты": ["ИНН", "КПП"]})
    for page in client.pages("Catalog_Контрагенты", select=["Ref_Key", "DataVersion", "ИНН"]):
        ...

Two traps it exists to avoid: ``requests`` encodes Basic credentials as latin-1 (a Cyrillic user
name raises UnicodeEncodeError), and ``params=`` writes spaces as ``+`` and ``$`` as ``%24``.
Failures raise the ``OneCError`` family from ``integrations.onec.errors``.
"""

import json
import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote
from uuid import UUID

import requests

from integrations.onec.errors import (
    OneCAuthError,
    OneCBadAnswer,
    OneCBadRequest,
    OneCError,
    OneCNotFound,
    OneCUnavailable,
)

ZERO_GUID = "00000000-0000-0000-0000-000000000000"  # an empty reference in 1C
# Left literal in the query: "$" of the system options, and the punctuation of $select/$filter.
QUERY_SAFE = "$,:()"
# Left literal in the path, so that "Set(guid'…')" or "Register/Turnovers(…)" still read as such.
PATH_SAFE = "/(),=':"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Metadata:
    """What ``$metadata`` says: entity set -> {property name: EDM type}."""

    entity_sets: dict[str, dict[str, str]]

    def missing(self, required: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
        """The required sets/properties the base does not publish; {} when all are there.

        A set that is absent altogether is reported with all its required properties (an empty
        list when none were required); ``set in metadata.entity_sets`` tells the two cases apart.
        """
        missing = {}
        for name, properties in required.items():
            published = self.entity_sets.get(name, {})
            absent = [prop for prop in properties if prop not in published]
            if name not in self.entity_sets or absent:
                missing[name] = absent
        return missing


@dataclass(frozen=True)
class Page:
    """One page of a paged pull; ``skip`` is where it starts, to resume or to log progress."""

    skip: int
    rows: list[dict] = field(default_factory=list)


def build_query(params: Mapping[str, object]) -> str:
    """An OData query string for a data request: ``$format=json`` first, then ``params``.

    Spaces become ``%20`` (never ``+``), ``$`` stays literal, anything else outside ASCII
    letters, digits and ``-_.~,:()`` (Cyrillic, quotes, ``'``) is percent-encoded UTF-8.
    None values are left out; booleans are written ``true``/``false``.
    """
    params = {"$format": "json", **params}
    parts = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        parts.append(f"{quote(str(key), safe=QUERY_SAFE)}={quote(str(value), safe=QUERY_SAFE)}")
    return "&".join(parts)


def literal(value: object) -> str:
    """A value as an OData ``$filter`` literal: 'text' (quotes doubled), guid'…', datetime'…'.

    Pass a ``uuid.UUID`` for a reference: a plain ``str`` is always a string literal.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, UUID):
        return f"guid'{value}'"
    if isinstance(value, datetime):
        return f"datetime'{value.replace(tzinfo=None, microsecond=0).isoformat()}'"
    if isinstance(value, date):
        return f"datetime'{value.isoformat()}T00:00:00'"
    if isinstance(value, int | float):
        return str(value)
    text = str(value).replace("'", "''")
    return f"'{text}'"


class ODataClient:
    """GET requests to ``<publication>/odata/standard.odata`` with auth, timeouts and retries.

    ``retries`` is the number of attempts for a request that meets a network error, a timeout or
    a 5xx; between attempts it sleeps ``backoff * 2**attempt`` seconds (0.5, 1.0, ...).
    401/403/400/404 are never retried.
    """

    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        # Bytes, so that requests does not try latin-1 on a Cyrillic name; 1C expects UTF-8.
        self._auth = (username.encode("utf-8"), password.encode("utf-8"))
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self.session = session or requests.Session()
        self.sleep = sleep

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "ODataClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- the API ----------------------------------------------------------------------------

    def metadata(self) -> Metadata:
        """The published entity sets and their properties, from the EDMX at ``$metadata``."""
        response = self._get(f"{self.base_url}/$metadata", accept="application/xml")
        try:
            return parse_metadata(response.content)
        except ET.ParseError as error:
            raise OneCBadAnswer(detail=f"$metadata is not XML: {error}") from error

    def get(
        self,
        entity_set: str,
        *,
        select: Iterable[str] | str | None = None,
        filter: str | None = None,
        orderby: str | None = "Ref_Key",
        top: int | None = 1000,
        skip: int = 0,
    ) -> list[dict]:
        """The rows of one request (the ``value`` list); ``filter`` is raw OData (see literal)."""
        if select is not None and not isinstance(select, str):
            select = ",".join(select)
        query = build_query(
            {"$select": select, "$filter": filter, "$orderby": orderby, "$top": top, "$skip": skip}
        )
        url = f"{self.base_url}/{quote(entity_set, safe=PATH_SAFE)}?{query}"
        answer = _json(self._get(url, accept="application/json"))
        rows = answer.get("value") if isinstance(answer, dict) else None
        if not isinstance(rows, list):
            raise OneCBadAnswer(detail=f"no 'value' list in the answer to {url}")
        return rows

    def count(self, entity_set: str, *, filter: str | None = None) -> int:
        """How many rows the set holds (``$inlinecount=allpages``), for a progress bar."""
        query = build_query(
            {"$select": "Ref_Key", "$filter": filter, "$top": 1, "$inlinecount": "allpages"}
        )
        url = f"{self.base_url}/{quote(entity_set, safe=PATH_SAFE)}?{query}"
        answer = _json(self._get(url, accept="application/json"))
        try:
            return int(answer["odata.count"])
        except (KeyError, TypeError, ValueError):
            raise OneCBadAnswer(detail=f"no odata.count in the answer to {url}") from None

    def pages(
        self,
        entity_set: str,
        *,
        select: Iterable[str] | str | None = None,
        filter: str | None = None,
        page_size: int = 1000,
        start_skip: int = 0,
    ) -> Iterator[Page]:
        """Every row, page by page in Ref_Key order, until a short page (empty pages are not
        yielded). Paging by ``$skip`` is not a snapshot: a row added or removed in 1C during
        the pull can shift the rest by one, so a sync must tolerate a rare miss or repeat."""
        skip = start_skip
        while True:
            rows = self.get(
                entity_set,
                select=select,
                filter=filter,
                orderby="Ref_Key",
                top=page_size,
                skip=skip,
            )
            if rows:
                yield Page(skip=skip, rows=rows)
            if len(rows) < page_size:
                return
            skip += len(rows)

    # --- the wire ---------------------------------------------------------------------------

    def _get(self, url: str, *, accept: str) -> requests.Response:
        """One GET with retries on what may pass (network, timeout, 5xx); raises on failure."""
        failure: OneCError | None = None
        for attempt in range(self.retries):
            if attempt:
                pause = self.backoff * 2 ** (attempt - 1)
                logger.warning("1C OData: %s; retrying in %.1fs", failure.detail, pause)
                self.sleep(pause)
            try:
                response = self.session.get(
                    url, auth=self._auth, headers={"Accept": accept}, timeout=self.timeout
                )
            except requests.Timeout as error:
                failure = OneCUnavailable(detail=f"no answer in {self.timeout}s: GET {url}")
                failure.__cause__ = error
                continue
            except requests.RequestException as error:
                failure = OneCUnavailable(detail=f"network error: GET {url}: {error}")
                failure.__cause__ = error
                continue
            if response.status_code == 200:
                return response
            failure = _error_for(response, url)
            if not isinstance(failure, OneCUnavailable):
                break
        raise failure


def parse_metadata(xml: bytes | str) -> Metadata:
    """Entity sets -> their properties and EDM types, whatever the EDMX/EDM namespace versions.

    The XML comes from the customer's own 1C server; expat (2.4.1+) bounds entity expansion and
    fetches no external entities, so the standard library parser is safe enough here.
    """
    root = ET.fromstring(xml)  # noqa: S314
    types: dict[str, dict[str, str]] = {}
    sets: dict[str, str] = {}
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "EntityType":
            types[element.get("Name", "")] = {
                child.get("Name", ""): child.get("Type", "")
                for child in element
                if _local(child.tag) == "Property"
            }
        elif tag == "EntitySet":
            # EntityType="StandardODATA.Catalog_Контрагенты": the type's name after the namespace.
            sets[element.get("Name", "")] = element.get("EntityType", "").rsplit(".", 1)[-1]
    return Metadata({name: types.get(type_name, {}) for name, type_name in sets.items()})


def _local(tag: str) -> str:
    """A tag without its "{namespace}"."""
    return tag.rsplit("}", 1)[-1]


def _json(response: requests.Response) -> object:
    """The JSON body; utf-8-sig tolerates a byte order mark, which 1C services may send."""
    try:
        return json.loads(response.content.decode("utf-8-sig"))
    except ValueError as error:
        raise OneCBadAnswer(
            detail=f"not JSON: {response.url}: {_snippet(response.text)}"
        ) from error


def _error_for(response: requests.Response, url: str) -> OneCError:
    """The error for a non-200 answer; a 401 body is HTML (or empty), not an odata.error."""
    status = response.status_code
    onec_message = _odata_message(response)
    detail = f"HTTP {status}: GET {url}: {onec_message or _snippet(response.text)}"
    if status in (401, 403):
        kind = OneCAuthError
    elif status == 404:
        kind = OneCNotFound
    elif status == 400:
        kind = OneCBadRequest
    elif status >= 500:
        kind = OneCUnavailable
    else:
        kind = OneCError
    return kind(detail=detail, status=status, onec_message=onec_message)


def _odata_message(response: requests.Response) -> str:
    """``odata.error.message.value`` of the body, or "" when the body is something else."""
    try:
        body = json.loads(response.content.decode("utf-8-sig"))
        message = body["odata.error"]["message"]
        return str(message["value"] if isinstance(message, dict) else message)
    except (ValueError, KeyError, TypeError):
        return ""


def _snippet(text: str, limit: int = 200) -> str:
    """The start of a body with its whitespace collapsed, for a one-line log."""
    return " ".join(text.split())[:limit]
