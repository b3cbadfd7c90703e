"""A fake DaData suggestions server on 127.0.0.1 speaking the real `findById/party` wire format.

Used by the tests and by a demo without a DaData key::

    with FakeDadata() as fake, override_settings(**fake.settings):
        find_party("7707083893")
        fake.requests[-1].headers["Authorization"]  # "Token fake-dadata-key"

Switches: ``rate_limit_next`` (answer 429 to that many requests), ``delay`` (seconds before each
answer), ``reply_next(status, body)`` (queue a canned answer), ``limit_exhausted`` (403 as when
the daily limit is used up). Run ``python -m integrations.dadata.fake`` to serve it by hand.
"""

import copy
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_PREFIX = "/suggestions/api/4_1/rs"
PARTY_PATH = API_PREFIX + "/findById/party"
DEFAULT_KEY = "fake-dadata-key"
MAX_COUNT = 300
MAX_QUERY = 300


def party(
    *,
    inn: str,
    ogrn: str,
    full: str,
    short: str,
    opf: tuple[str, str, str],
    address: str,
    postal_code: str,
    region_kladr_id: str,
    region: str,
    kpp: str | None = None,
    branch_type: str | None = "MAIN",
    branch_count: int = 0,
    management: tuple[str, str] | None = None,
    status: str = "ACTIVE",
    okved: str = "",
    registration_date: int = 1029456000000,
    liquidation_date: int | None = None,
    fio: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    """One suggestion as DaData sends it; the blocks of paid plans are null, as on the free plan.

    ``opf`` is (code, full, short); ``full`` and ``short`` are the names without the legal form.
    """
    individual = len(inn) == 12
    opf_code, opf_full, opf_short = opf
    full_with_opf = f"{opf_full} {full}" if individual else f'{opf_full.upper()} "{full}"'
    short_with_opf = f"{opf_short} {short}" if individual else f'{opf_short} "{short}"'
    unrestricted = f"{postal_code}, {address}"
    return {
        "value": short_with_opf,
        "unrestricted_value": short_with_opf,
        "data": {
            "kpp": kpp,
            "capital": None,
            "invalid": None,
            "management": (
                {"name": management[0], "post": management[1], "disqualified": None}
                if management
                else None
            ),
            "founders": None,
            "managers": None,
            "predecessors": None,
            "successors": None,
            "branch_type": None if individual else branch_type,
            "branch_count": None if individual else branch_count,
            "source": None,
            "qc": None,
            "hid": f"fake-{inn}-{kpp or ''}",
            "type": "INDIVIDUAL" if individual else "LEGAL",
            "state": {
                "status": status,
                "code": None,
                "actuality_date": 1714521600000,
                "registration_date": registration_date,
                "liquidation_date": liquidation_date,
            },
            "opf": {"type": "2014", "code": opf_code, "full": opf_full, "short": opf_short},
            "name": {
                "full_with_opf": full_with_opf,
                "short_with_opf": short_with_opf,
                "latin": None,
                "full": full,
                "short": None if individual else short,
            },
            "fio": (
                {"surname": fio[0], "name": fio[1], "patronymic": fio[2], "gender": None}
                if fio
                else None
            ),
            "inn": inn,
            "ogrn": ogrn,
            "okpo": None,
            "okato": None,
            "oktmo": None,
            "okogu": None,
            "okfs": None,
            "okved": okved or None,
            "okveds": None,
            "authorities": None,
            "documents": None,
            "licenses": None,
            "finance": None,
            "address": {
                "value": address,
                "unrestricted_value": unrestricted,
                "invalidity": None,
                "data": {
                    "postal_code": postal_code,
                    "country": "Россия",
                    "region_with_type": region,
                    "region_kladr_id": region_kladr_id,
                    "city_with_type": region,
                    "fias_id": None,
                    "kladr_id": None,
                    "geo_lat": None,
                    "geo_lon": None,
                    "qc_geo": None,
                },
            },
            "phones": None,
            "emails": None,
            "ogrn_date": registration_date,
            "okved_type": "2014" if okved else None,
            "employee_count": None,
        },
    }


LLC = ("12300", "Общество с ограниченной ответственностью", "ООО")
PJSC = ("12247", "Публичное акционерное общество", "ПАО")
SOLE = ("50102", "Индивидуальный предприниматель", "ИП")

SBERBANK = party(
    inn="7707083893",
    kpp="773601001",
    ogrn="1027700132195",
    full="СБЕРБАНК РОССИИ",
    short="СБЕРБАНК",
    opf=PJSC,
    address="г Москва, ул Вавилова, д 19",
    postal_code="117312",
    region_kladr_id="7700000000000",
    region="г Москва",
    branch_count=88,
    management=("Греф Герман Оскарович", "ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ"),
    okved="64.19",
    registration_date=677376000000,
)
SBERBANK_NORTH_WEST = party(
    inn="7707083893",
    kpp="784243001",
    ogrn="1027700132195",
    full="СБЕРБАНК РОССИИ",
    short="СБЕРБАНК",
    opf=PJSC,
    address="г Санкт-Петербург, ул Красного Текстильщика, д 2",
    postal_code="191124",
    region_kladr_id="7800000000000",
    region="г Санкт-Петербург",
    branch_type="BRANCH",
    okved="64.19",
)
# Made up, with valid check digits (crm.clients.requisites generators).
TEPLOSTROY = party(
    inn="7816588132",
    kpp="781601001",
    ogrn="1217898698797",
    full="ТЕПЛОСТРОЙ-СЕВЕР",
    short="ТЕПЛОСТРОЙ-СЕВЕР",
    opf=LLC,
    address="г Санкт-Петербург, Московский пр-кт, д 212, литера А, помещ 14-Н",
    postal_code="196066",
    region_kladr_id="7800000000000",
    region="г Санкт-Петербург",
    management=("Ёлкин Пётр Алексеевич", "ГЕНЕРАЛЬНЫЙ ДИРЕКТОР"),
    okved="43.22",
    registration_date=1618790400000,
)
URALSNAB = party(
    inn="6657309117",
    kpp="665701001",
    ogrn="1116617075365",
    full="УРАЛСНАБ",
    short="УРАЛСНАБ",
    opf=LLC,
    address="г Екатеринбург, ул Малышева, д 51, офис 1204",
    postal_code="620014",
    region_kladr_id="6600000000000",
    region="Свердловская обл",
    management=("Шилов Дмитрий Сергеевич", "ЛИКВИДАТОР"),
    status="LIQUIDATED",
    okved="46.73",
    registration_date=1318204800000,
    liquidation_date=1688169600000,
)
SOKOLOVA = party(
    inn="775589768464",
    ogrn="317779788093203",
    full="Соколова Анна Викторовна",
    short="Соколова Анна Викторовна",
    opf=SOLE,
    address="г Москва",
    postal_code="101000",
    region_kladr_id="7700000000000",
    region="г Москва",
    kpp=None,
    okved="47.91",
    registration_date=1489536000000,
    fio=("Соколова", "Анна", "Викторовна"),
)
SEED = (SBERBANK, SBERBANK_NORTH_WEST, TEPLOSTROY, URALSNAB, SOKOLOVA)


def error_body(status: int, reason: str, message: str = "") -> dict[str, str]:
    """DaData's error answer: {"family": "CLIENT_ERROR", "reason": ..., "message": ...}."""
    family = "SERVER_ERROR" if status >= 500 else "CLIENT_ERROR"
    return {"family": family, "reason": reason, "message": message or f"HTTP {status} {reason}"}


@dataclass
class Received:
    """One request the fake received, for tests to assert on."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass
class FakeDadata:
    """The fake server; ``start()``/``stop()`` or use it as a context manager."""

    api_key: str = DEFAULT_KEY
    parties: list[dict] = field(default_factory=lambda: copy.deepcopy(list(SEED)))
    rate_limit_next: int = 0
    delay: float = 0.0
    limit_exhausted: bool = False
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self):
        self._canned: list[Reply] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> "FakeDadata":
        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() waits up to one poll
            name="fake-dadata",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping on ``delay``
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "FakeDadata":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, as DADATA_URL expects it."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{API_PREFIX}"

    @property
    def settings(self) -> dict[str, str]:
        """Settings that point the client here: ``override_settings(**fake.settings)``."""
        return {"DADATA_URL": self.url, "DADATA_API_KEY": self.api_key}

    # --- switches ---------------------------------------------------------------------------

    def reply_next(self, status: int, body: Any = None, content_type: str = "application/json"):
        """Answer the next request with this status and body (a dict/list is sent as JSON)."""
        if body is None:
            body = error_body(status, _REASONS.get(status, "Error"))
        raw = body if isinstance(body, bytes) else str(body).encode()
        if isinstance(body, dict | list):
            raw = json.dumps(body, ensure_ascii=False).encode()
        with self._lock:
            self._canned.append(Reply(status, raw, content_type))

    def add(self, suggestion: dict) -> None:
        """Register one more party (build it with ``party(...)``)."""
        self.parties.append(suggestion)

    # --- the service ------------------------------------------------------------------------

    def answer(self, method: str, path: str, headers: dict, body: bytes) -> Reply:
        """What DaData answers to this request."""
        with self._lock:
            if self._canned:
                return self._canned.pop(0)
            if self.rate_limit_next > 0:
                self.rate_limit_next -= 1
                return _json(429, error_body(429, "Too Many Requests"))
        if path.split("?")[0] != PARTY_PATH:
            return _json(404, error_body(404, "Not Found"))
        if method != "POST":
            return _json(405, error_body(405, "Method Not Allowed"))
        refused = self._check_key(headers.get("authorization", ""))
        if refused:
            return refused
        if not headers.get("content-type", "").startswith("application/json"):
            return _json(415, error_body(415, "Unsupported Media Type"))
        try:
            query = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _json(400, error_body(400, "Bad Request", "Invalid JSON"))
        if not isinstance(query, dict) or not str(query.get("query") or "").strip():
            return _json(400, error_body(400, "Bad Request", "query is required"))
        if len(str(query["query"])) > MAX_QUERY or int(query.get("count") or 10) > MAX_COUNT:
            return _json(413, error_body(413, "Request Entity Too Large"))
        return _json(200, {"suggestions": self.find(query)})

    def _check_key(self, authorization: str) -> Reply | None:
        scheme, _sep, token = authorization.strip().partition(" ")
        if scheme != "Token" or not token.strip():
            return _json(401, error_body(401, "Unauthorized", "API key is missing"))
        if token.strip() != self.api_key:
            return _json(403, error_body(403, "Forbidden", "Unknown API key"))
        if self.limit_exhausted:
            return _json(403, error_body(403, "Forbidden", "Daily limit exceeded"))
        return None

    def find(self, query: dict) -> list[dict]:
        """findById/party: by INN or OGRN, narrowed by kpp, branch_type, type and status."""
        text = str(query["query"]).strip()
        found = []
        for suggestion in self.parties:
            data = suggestion["data"]
            if text not in (data["inn"], data["ogrn"]):
                continue
            if query.get("kpp") and data.get("kpp") != query["kpp"]:
                continue
            legal = data["type"] == "LEGAL"  # sole proprietors have no branches
            if query.get("branch_type") and legal and data["branch_type"] != query["branch_type"]:
                continue
            if query.get("type") and data["type"] != query["type"]:
                continue
            if query.get("status") and data["state"]["status"] not in query["status"]:
                continue
            found.append(suggestion)
        return found[: int(query.get("count") or 10)]


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service UnavailableError",
}


def _json(status: int, payload: Any) -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode())


def _handler_for(fake: FakeDadata) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "nginx"
        sys_version = ""

        def do_POST(self):
            self._serve()

        def do_GET(self):
            self._serve()

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            fake.requests.append(Received(self.command, self.path, headers, body, parsed))
            if fake.delay and fake._stopping.wait(fake.delay):
                return  # the fake is stopping: drop the connection unanswered
            reply = fake.answer(self.command, self.path, headers, body)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", f"{reply.content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up (its timeout); nothing to answer

        def log_message(self, format, *args):
            pass

    return Handler


def main() -> None:  # pragma: no cover - by hand only
    """Serve the fake until Ctrl+C and print the settings that point the CRM at it."""
    fake = FakeDadata().start()
    print(f"DADATA_URL={fake.url}\nDADATA_API_KEY={fake.api_key}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
