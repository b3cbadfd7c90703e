"""Fake Yandex Geocoder and Nominatim servers on 127.0.0.1, speaking the real wire formats.

For tests and for a demo without a real geocoder::

    with FakeYandexGeocoder(api_key="k") as fake:   # settings: YANDEX_GEOCODER_URL = fake.url
        fake.mode = fake.RATE_LIMITED
        ...
        fake.requests[-1].params["apikey"]

Modes: ``found`` (``places`` by address, else ``default_place``), ``nothing_found``,
``forbidden`` (403, bad key), ``rate_limited`` (429), ``slow`` (answers after ``delay``
seconds), ``server_error`` (500). Every request is recorded with its arrival time;
``on_request`` (if set) is called with it before the answer.

Run one by hand: ``python -m integrations.geocoding.fake yandex --port 8089``.
"""

import argparse
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Place:
    """An address the fake knows: its point, the provider's precision/kind and text."""

    lat: float
    lon: float
    text: str
    precision: str = "exact"
    kind: str = "house"


MOSCOW = Place(55.757718, 37.611347, "Россия, Москва, Тверская улица, 7")


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeGeocoder/1.0"

    def do_GET(self):
        fake = self.server.fake
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        request = RecordedRequest("GET", parts.path, params, dict(self.headers.items()))
        with fake.lock:
            fake.requests.append(request)
        if fake.on_request is not None:
            fake.on_request(request)
        status, body, headers = fake.answer(request)
        if fake.mode == fake.SLOW and fake.stopping.wait(fake.delay):
            return
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            ctype = "application/json" if not isinstance(body, bytes) else "text/html"
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the slow mode)

    def log_message(self, format, *args):
        pass


class FakeGeocoder:
    """The shared machinery: a threaded HTTP server on a free port, modes, recorded requests."""

    FOUND = "found"
    NOTHING_FOUND = "nothing_found"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    SLOW = "slow"
    SERVER_ERROR = "server_error"

    path = "/"

    def __init__(self, *, default_place: Place = MOSCOW, port: int = 0):
        self.mode = self.FOUND
        self.delay = 5.0
        self.retry_after: str | None = None
        self.default_place = default_place
        self.places: dict[str, Place] = {}
        self.requests: list[RecordedRequest] = []
        # Called in the server thread before answering (e.g. to change data mid-request).
        self.on_request = None
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + self.path

    def start(self):
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def place_for(self, query: str) -> Place:
        return self.places.get(query, self.default_place)

    def answer(self, request: RecordedRequest) -> tuple[int, object, dict]:
        raise NotImplementedError


class FakeYandexGeocoder(FakeGeocoder):
    """``GET <path>?apikey=&geocode=&format=json[&lang=&results=]`` as the HTTP Geocoder 1.x."""

    path = "/1.x/"

    def __init__(self, *, api_key: str = "test-key", path: str = "/1.x/", **kwargs):
        super().__init__(**kwargs)
        self.api_key = api_key
        self.path = path

    def answer(self, request):
        if request.path != self.path:
            return 404, _yandex_error(404, "Not Found", "Not found"), {}
        if self.mode == self.FORBIDDEN or request.params.get("apikey") != self.api_key:
            return 403, _yandex_error(403, "Forbidden", "Invalid api key"), {}
        if self.mode == self.RATE_LIMITED:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return 429, _yandex_error(429, "Too Many Requests", "Limit is exceeded"), headers
        if self.mode == self.SERVER_ERROR:
            return 500, _yandex_error(500, "Internal Server Error", "Internal error"), {}
        query = request.params.get("geocode", "")
        if not query:
            return 400, _yandex_error(400, "Bad Request", "Missing geocode parameter"), {}
        places = [] if self.mode == self.NOTHING_FOUND else [self.place_for(query)]
        return 200, yandex_body(query, places), {}


def _yandex_error(status: int, error: str, message: str) -> dict:
    return {"statusCode": status, "error": error, "message": message}


def yandex_body(query: str, places: list[Place]) -> dict:
    """The JSON of a Yandex answer; ``pos`` is "lon lat", counts are strings."""
    members = []
    for place in places:
        parts = place.text.split(", ")
        name, description = ", ".join(parts[-2:]), ", ".join(reversed(parts[:-2]))
        members.append(
            {
                "GeoObject": {
                    "metaDataProperty": {
                        "GeocoderMetaData": {
                            "precision": place.precision,
                            "text": place.text,
                            "kind": place.kind,
                            "Address": {"country_code": "RU", "formatted": place.text},
                        }
                    },
                    "name": name,
                    "description": description,
                    "boundedBy": {
                        "Envelope": {
                            "lowerCorner": f"{place.lon - 0.004} {place.lat - 0.003}",
                            "upperCorner": f"{place.lon + 0.004} {place.lat + 0.003}",
                        }
                    },
                    "Point": {"pos": f"{place.lon} {place.lat}"},
                }
            }
        )
    return {
        "response": {
            "GeoObjectCollection": {
                "metaDataProperty": {
                    "GeocoderResponseMetaData": {
                        "request": query,
                        "found": str(len(members)),
                        "results": "10",
                    }
                },
                "featureMember": members,
            }
        }
    }


# User-Agents that the public Nominatim turns away: a library default is not an identity.
REJECTED_AGENT_PREFIXES = ("python-requests", "python-urllib", "geopy/")


class FakeNominatim(FakeGeocoder):
    """``GET <base>/search?q=&format=jsonv2[&accept-language=&limit=]`` as Nominatim 4.x."""

    def __init__(self, *, base_path: str = "", **kwargs):
        super().__init__(**kwargs)
        self.base_path = base_path.rstrip("/")
        self.path = self.base_path or ""

    def answer(self, request):
        if request.path != f"{self.base_path}/search":
            return 404, {"error": {"code": 404, "message": "Not found"}}, {}
        agent = request.headers.get("User-Agent", "")
        if self.mode == self.FORBIDDEN or not agent or agent.startswith(REJECTED_AGENT_PREFIXES):
            return 403, b"<html><body>Access blocked: see the usage policy</body></html>", {}
        if self.mode == self.RATE_LIMITED:
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return 429, b"<html><body>Too Many Requests</body></html>", headers
        if self.mode == self.SERVER_ERROR:
            return 500, b"<html><body>Internal Server Error</body></html>", {}
        query = request.params.get("q", "")
        if not query:
            body = {"error": {"code": 400, "message": "Nothing to search for."}}
            return 400, body, {}
        if self.mode == self.NOTHING_FOUND:
            return 200, [], {}
        return 200, [nominatim_item(self.place_for(query))], {}


NOMINATIM_TYPES = {  # Yandex-style kind -> (category, type, addresstype, place_rank)
    "house": ("building", "yes", "building", 30),
    "street": ("highway", "residential", "road", 26),
    "locality": ("place", "city", "city", 16),
}


def nominatim_item(place: Place) -> dict:
    """One jsonv2 search result; ``lat``/``lon`` are strings."""
    category, type_, addresstype, rank = NOMINATIM_TYPES.get(
        place.kind, ("boundary", "administrative", "state", 8)
    )
    return {
        "place_id": 123456,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "way",
        "osm_id": 456789,
        "lat": f"{place.lat}",
        "lon": f"{place.lon}",
        "category": category,
        "type": type_,
        "place_rank": rank,
        "importance": 0.00011,
        "addresstype": addresstype,
        "name": "",
        "display_name": place.text,
        "boundingbox": [
            f"{place.lat - 0.0005}",
            f"{place.lat + 0.0005}",
            f"{place.lon - 0.0005}",
            f"{place.lon + 0.0005}",
        ],
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve a fake geocoder until interrupted.")
    parser.add_argument("provider", choices=["yandex", "nominatim"])
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--api-key", default="test-key")
    args = parser.parse_args(argv)
    if args.provider == "yandex":
        fake = FakeYandexGeocoder(api_key=args.api_key, port=args.port)
    else:
        fake = FakeNominatim(port=args.port)
    with fake:
        print(f"fake {args.provider} geocoder on {fake.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
