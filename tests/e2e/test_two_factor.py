"""An administrator logs in with a password, then the code from the authenticator app."""

import pytest

from tests.conftest import totp_token
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_passes_the_second_factor_and_reaches_home(
    page, live_server, admin_user, password, csp_errors
):
    log_in(page, live_server, admin_user.username, password)
    assert page.url.endswith("/login/2fa/")
    page.fill("#id_token", "000000")
    page.click("button[type=submit]")
    assert page.locator(".invalid-feedback").inner_text().startswith("Код неверный")
    page.wait_for_timeout(1100)  # django-otp throttles: 1 s after the first wrong code
    page.fill("#id_token", totp_token(admin_user.totpdevice_set.get()))
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/"
    assert page.locator("h1").inner_text().startswith("Добрый день")
    assert page.locator("[data-testid=my-position]").is_visible()
    assert csp_errors == []


def test_an_auditor_without_a_device_enrols_in_the_browser(page, live_server, make_user, password):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    auditor = make_user(username="auditor", role="auditor")
    log_in(page, live_server, "auditor", password)
    assert page.url.endswith("/login/2fa/setup/")
    assert page.locator(".otp-qr svg").is_visible()
    secret = page.locator("[data-testid=otp-secret]").inner_text()
    assert len(secret) >= 16
    device = TOTPDevice.objects.get(user=auditor)
    page.fill("#id_token", totp_token(device))
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url == f"{live_server.url}/"
    assert "Двухфакторная аутентификация включена" in page.content()
