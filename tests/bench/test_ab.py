"""The A/B comparison (bench/ab.py) pairs requests to two servers and reports which answered
faster: two local servers, one slow on purpose, stand in for the base and the working tree."""

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import ab


def _server(delay_s: float):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay_s)
            body = b"ok"
            self.send_response(200 if self.path != "/missing" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def servers():
    slow, slow_url = _server(0.03)
    fast, fast_url = _server(0.0)
    yield slow_url, fast_url
    slow.shutdown()
    fast.shutdown()


def test_the_faster_server_wins_every_pair_and_the_report_says_so(servers, tmp_path):
    base_url, head_url = servers
    pages = [("org_list.admin.page1", "admin", "/clients/organisations/")]
    rows = ab.compare(base_url, head_url, pages, 8, random.Random(1), cookies=lambda role: {})
    [row] = rows
    assert row["scenario"] == "org_list.admin.page1"
    assert row["faster"] == 1.0
    assert row["median_difference_ms"] < -20
    assert row["base_p50_ms"] > row["head_p50_ms"]

    ab.write(
        {
            "date": "2026-12-01",
            "machine": {"cpu": "test", "cores": 2},
            "base": "aaa",
            "head": "bbb",
            "n": 8,
            "pages": rows,
        },
        tmp_path,
    )
    assert json.loads((tmp_path / "ab.json").read_text())["pages"] == rows
    summary = (tmp_path / "ab.md").read_text()
    assert "| org_list.admin.page1 |" in summary
    assert "100%" in summary


def test_a_page_that_does_not_answer_200_stops_the_comparison(servers):
    base_url, head_url = servers
    pages = [("broken", "admin", "/missing")]
    with pytest.raises(RuntimeError, match="HTTP 404"):
        ab.compare(base_url, head_url, pages, 2, random.Random(1), cookies=lambda role: {})
