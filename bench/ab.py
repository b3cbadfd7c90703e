"""Two commits' list pages timed against each other, request by request.

`make bench-ab BASE=<commit>` (or `python -m bench.ab --base <commit>`). The machine's speed
drifts by half within an hour here, so two bench runs an hour apart cannot tell a 3 % change
from the weather. This serves the base commit (a git worktree) and the working tree from two
gunicorn processes on the same database, and sends each page to both in alternation, the order
of each pair drawn at random, through the same session. The figure that matters is the median
of the pairwise differences; `faster` is the share of pairs in which the working tree answered
first. Results go to bench/results/ab.json and ab.md.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
ROLES = ("admin", "head", "regional", "manager")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _git(*args, cwd=ROOT) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def _checkout(rev: str, where: Path) -> Path:
    """The base commit as a worktree beside the static files and catalogues it needs."""
    tree = where / "base"
    _git("worktree", "add", "--detach", str(tree), rev)
    (tree / "staticfiles").symlink_to(ROOT / "staticfiles")
    subprocess.run(
        [str(PYTHON), "manage.py", "compilemessages", "--verbosity", "0"],
        cwd=tree,
        check=True,
    )
    return tree


def _serve(tree: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(GUNICORN), "crm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=tree,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn in {tree} did not start on port {port}")


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def _pages() -> list[tuple[str, str, str]]:
    """(name, role, path): the bench's own list scenarios (bench.scenarios_clients, _outlets)."""
    from bench import scenarios_clients, scenarios_outlets
    from crm.accounts.models import User

    ids = scenarios_clients._ids()
    pages = []
    for role in ROLES:
        user = User.objects.get(username=role)
        owner = scenarios_clients._busiest_owner(user)
        groups = {
            "org_list": scenarios_clients.org_paths(ids, owner),
            "contact_list": scenarios_clients.contact_paths(ids),
            "outlet_list": scenarios_outlets.outlet_paths(scenarios_outlets._ids(user)),
        }
        for group, paths in groups.items():
            pages += [(f"{group}.{role}.{key}", role, path) for key, path in paths.items()]
    return pages


def _cookies(role: str) -> dict:
    """A session of the role's user, passed the second factor as the bench's login() does."""
    from django.conf import settings
    from django.test import Client

    from bench.scenarios_clients import login
    from crm.accounts.models import User

    client = login(Client(), User.objects.get(username=role))
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def _time(session, url: str) -> float:
    started = time.perf_counter()
    response = session.get(url, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return elapsed


def compare(base_url, head_url, pages, n: int, rng: random.Random, cookies=None) -> list[dict]:
    """Each page ``n`` times on both servers, in pairs; ``cookies(role)`` logs a session in."""
    import requests

    cookies = cookies or _cookies
    rows = []
    sessions = {}
    for name, role, path in pages:
        if role not in sessions:
            sessions[role] = requests.Session()
            sessions[role].cookies.update(cookies(role))
        session = sessions[role]
        for _ in range(3):  # warm both processes' caches
            _time(session, base_url + path)
            _time(session, head_url + path)
        base, head = [], []
        for _ in range(n):
            if rng.random() < 0.5:
                base.append(_time(session, base_url + path))
                head.append(_time(session, head_url + path))
            else:
                head.append(_time(session, head_url + path))
                base.append(_time(session, base_url + path))
        differences = [h - b for h, b in zip(head, base, strict=True)]
        rows.append(
            {
                "scenario": name,
                "n": n,
                "base_p50_ms": round(statistics.median(base), 3),
                "head_p50_ms": round(statistics.median(head), 3),
                "median_difference_ms": round(statistics.median(differences), 3),
                "faster": round(sum(d < 0 for d in differences) / n, 3),
            }
        )
        row = rows[-1]
        print(
            f"{name:<36} base {row['base_p50_ms']:>7.2f}  head {row['head_p50_ms']:>7.2f}  "
            f"difference {row['median_difference_ms']:>+6.2f} ms  head faster in "
            f"{row['faster']:.0%}",
            flush=True,
        )
    return rows


def write(report: dict, out_dir: Path = RESULTS) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ab.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    lines = [
        f"# A/B: {report['head']} against {report['base']}",
        "",
        f"Date: {report['date']}  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores; "
        f"{report['n']} alternating pairs per page, "
        "each timed over HTTP from gunicorn (one worker each), same database and session",
        "",
        "| scenario | base p50 ms | head p50 ms | median difference ms | head faster |",
        "|---|---|---|---|---|",
    ]
    for row in report["pages"]:
        lines.append(
            f"| {row['scenario']} | {row['base_p50_ms']} | {row['head_p50_ms']} | "
            f"{row['median_difference_ms']:+} | {row['faster']:.0%} |"
        )
    differences = [row["median_difference_ms"] for row in report["pages"]]
    if differences:
        lines += [
            "",
            f"Median of the pages' differences: {statistics.median(differences):+.3f} ms.",
        ]
    (out_dir / "ab.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare against")
    parser.add_argument("--scale", choices=["ci", "full"], default="full")
    parser.add_argument("--n", type=int, default=200, help="pairs per page")
    parser.add_argument("--only", default="", help="comma-separated scenario name prefixes")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from bench.run import machine, setup

    # The bench's database and settings, inherited by both servers. The base commit runs on
    # the working tree's schema: compare commits without conflicting migrations.
    setup(args.scale)

    pages = _pages()
    if args.only:
        prefixes = tuple(args.only.split(","))
        pages = [page for page in pages if page[0].startswith(prefixes)]
    where = Path(tempfile.mkdtemp(prefix="crm-ab-"))
    base_rev = _git("rev-parse", "--short", args.base)
    servers = []
    try:
        tree = _checkout(args.base, where)
        base_port, head_port = _free_port(), _free_port()
        servers.append(_serve(tree, base_port))
        servers.append(_serve(ROOT, head_port))
        rows = compare(
            f"http://127.0.0.1:{base_port}",
            f"http://127.0.0.1:{head_port}",
            pages,
            args.n,
            random.Random(20261201),
        )
    finally:
        for server in servers:
            _stop(server)
        _git("worktree", "remove", "--force", str(where / "base"))
        shutil.rmtree(where, ignore_errors=True)
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain") else ""
    write(
        {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "base": base_rev,
            "head": _git("rev-parse", "--short", "HEAD") + dirty,
            "n": args.n,
            "pages": rows,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
