"""Helpers for browser tests: log in through the real form, inject axe-core."""

import pytest
from django.conf import settings

AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def run_axe(page, rules: list[str] | None = None) -> list[dict]:
    """axe-core violations on the current page (only the given rule ids, if any)."""
    # Evaluated through the DevTools protocol, so our CSP (no inline scripts) stays on.
    page.evaluate(AXE.read_text())
    options = (
        {"runOnly": {"type": "rule", "values": rules}}
        if rules
        else {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}}
    )
    result = page.evaluate("(options) => axe.run(document, options)", options)
    return result["violations"]


@pytest.fixture
def csp_errors(page):
    """Console errors about the Content-Security-Policy seen during the test."""
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return errors
