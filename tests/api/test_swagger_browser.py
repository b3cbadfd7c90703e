"""Swagger UI in headless Chromium: it renders the API under our CSP, without a CDN."""

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_under_the_csp_from_local_files(
    page, live_server, verified_admin, geography
):
    session = verified_admin.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    problems, outside = [], []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" else None,
    )
    page.on(
        "request",
        lambda req: outside.append(req.url) if not req.url.startswith(live_server.url) else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector("text=/api/v1/refs/regions/", timeout=15000)
    assert page.locator(".swagger-ui .opblock").count() >= 8  # 4 lists + 4 details
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert [u for u in outside if not u.startswith("data:")] == []
