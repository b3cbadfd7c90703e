"""Login, lockout, second factor, session timeouts, password change and reset, language."""

import re
import time

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.accounts.middleware import SESSION_LOGIN_AT, SESSION_SEEN_AT
from tests.conftest import add_totp_device, totp_token

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def post_login(client, username, password, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, **headers)


def test_a_user_logs_in_and_out(client, sales_manager, password):
    response = post_login(client, "manager", password)
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    assert client.get("/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_says_what_to_do(client, sales_manager):
    response = post_login(client, "manager", "wrong")
    assert response.status_code == 200
    assert "Неверное имя пользователя или пароль" in response.content.decode()


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_five_failures_lock_the_account_even_with_the_right_password(
    client, sales_manager, password
):
    for _ in range(5):
        post_login(client, "manager", "wrong")
    response = post_login(client, "manager", password)
    assert response.status_code == 429
    assert "заблокирована" in response.content.decode()


def test_rotating_x_forwarded_for_does_not_bypass_the_lockout(client, sales_manager, password):
    for attempt in range(5):
        post_login(client, "manager", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{attempt}")
    response = post_login(client, "manager", password, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_a_successful_login_resets_the_failure_count(client, sales_manager, password):
    for _ in range(4):
        post_login(client, "manager", "wrong")
    assert post_login(client, "manager", password).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        post_login(client, "manager", "wrong")
    assert post_login(client, "manager", password).status_code == 302


class TestSecondFactor:
    def test_an_administrator_reaches_nothing_before_the_code(self, client, admin_user, password):
        post_login(client, "root", password)
        response = client.get("/")
        assert response.status_code == 302
        assert response.url == reverse("accounts:otp_verify")
        assert client.get("/admin/").status_code == 302
        assert client.get("/notifications/", HTTP_HX_REQUEST="true").status_code == 403

    def test_a_wrong_code_is_rejected(self, client, admin_user, password):
        post_login(client, "root", password)
        response = client.post(reverse("accounts:otp_verify"), {"token": "000000"})
        assert response.status_code == 200
        assert "Код неверный" in response.content.decode()
        assert client.get("/").status_code == 302

    def test_the_right_code_lets_the_administrator_in(self, client, admin_user, password):
        post_login(client, "root", password)
        device = admin_user.totpdevice_set.get()
        response = client.post(reverse("accounts:otp_verify"), {"token": totp_token(device)})
        assert response.status_code == 302
        assert client.get("/").status_code == 200
        assert client.get("/admin/").status_code == 200

    def test_an_auditor_without_a_device_enrols_first(self, client, make_user, password):
        auditor = make_user(username="auditor", role="auditor")
        post_login(client, "auditor", password)
        assert client.get("/").url == reverse("accounts:otp_verify")
        response = client.get(reverse("accounts:otp_verify"))
        assert response.url == reverse("accounts:otp_setup")
        page = client.get(reverse("accounts:otp_setup"))
        assert "<svg" in page.content.decode()
        device = TOTPDevice.objects.get(user=auditor, confirmed=False)
        response = client.post(reverse("accounts:otp_setup"), {"token": totp_token(device)})
        assert response.status_code == 302
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/").status_code == 200

    def test_a_user_with_a_device_cannot_enrol_a_new_one_before_the_code(
        self, client, admin_user, password
    ):
        post_login(client, "root", password)
        response = client.get(reverse("accounts:otp_setup"))
        assert response.url == reverse("accounts:otp_verify")

    def test_a_sales_manager_may_turn_on_two_factor_voluntarily(
        self, client, sales_manager, password
    ):
        post_login(client, "manager", password)
        assert client.get("/").status_code == 200
        client.get(reverse("accounts:otp_setup"))
        device = TOTPDevice.objects.get(user=sales_manager)
        client.post(reverse("accounts:otp_setup"), {"token": totp_token(device)})
        client.post("/logout/")
        post_login(client, "manager", password)
        assert client.get("/").url == reverse("accounts:otp_verify")

    def test_repeated_wrong_codes_are_throttled(self, client, admin_user, password):
        post_login(client, "root", password)
        for _ in range(3):
            client.post(reverse("accounts:otp_verify"), {"token": "000000"})
        device = admin_user.totpdevice_set.get()
        response = client.post(reverse("accounts:otp_verify"), {"token": totp_token(device)})
        assert "Слишком много неверных кодов" in response.content.decode()


class TestSessionTimeouts:
    def test_an_idle_session_expires(self, client, sales_manager, settings, password):
        post_login(client, "manager", password)
        session = client.session
        session[SESSION_SEEN_AT] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
        session.save()
        response = client.get("/")
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)
        assert client.get("/").status_code == 302

    def test_a_session_ends_after_its_absolute_lifetime(
        self, client, sales_manager, settings, password
    ):
        post_login(client, "manager", password)
        session = client.session
        session[SESSION_LOGIN_AT] = int(time.time()) - settings.SESSION_COOKIE_AGE - 5
        session.save()
        assert client.get("/").status_code == 302

    def test_an_active_session_stays(self, client, sales_manager, password):
        post_login(client, "manager", password)
        session = client.session
        session[SESSION_SEEN_AT] = int(time.time()) - 120
        session.save()
        assert client.get("/").status_code == 200

    def test_htmx_requests_are_told_where_to_go(self, client, sales_manager, settings, password):
        post_login(client, "manager", password)
        session = client.session
        session[SESSION_SEEN_AT] = 0
        session.save()
        response = client.get("/notifications/badge/", HTTP_HX_REQUEST="true")
        assert response["HX-Redirect"].startswith(LOGIN)


class TestPasswords:
    def test_a_user_changes_the_password(self, client, sales_manager, password):
        post_login(client, "manager", password)
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": password,
                "new_password1": "a-new-long-secret-77",
                "new_password2": "a-new-long-secret-77",
            },
        )
        assert response.status_code == 302
        sales_manager.refresh_from_db()
        assert sales_manager.check_password("a-new-long-secret-77")
        assert sales_manager.notifications.filter(event_type="account.password_changed").exists()

    @pytest.mark.parametrize(
        ("language", "expected"),
        [("ru", "Сброс пароля"), ("en", "Password reset")],
    )
    def test_a_reset_letter_comes_in_the_users_language_and_its_link_works(
        self, client, make_user, language, expected
    ):
        make_user(username="olga", email="olga@example.com", language=language)
        response = client.post(reverse("accounts:password_reset"), {"email": "olga@example.com"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        letter = mail.outbox[0]
        assert expected in letter.subject
        link = re.search(r"http://testserver(/login/password-reset/\S+/)", letter.body).group(1)
        form = client.get(link, follow=True)
        assert form.status_code == 200
        done = client.post(
            form.redirect_chain[-1][0],
            {"new_password1": "brand-new-secret-42", "new_password2": "brand-new-secret-42"},
        )
        assert done.status_code == 302
        assert post_login(client, "olga", "brand-new-secret-42").status_code == 302

    def test_an_unknown_email_reveals_nothing(self, client):
        response = client.post(reverse("accounts:password_reset"), {"email": "ghost@example.com"})
        assert response.status_code == 302
        assert mail.outbox == []


class TestLanguage:
    def test_russian_is_the_default_even_for_an_english_browser(self, client):
        response = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        assert response["Content-Language"] == "ru"
        assert "Вход" in response.content.decode()

    def test_the_switch_turns_the_ui_english_for_anonymous_users(self, client):
        client.post(reverse("accounts:set_language"), {"language": "en", "next": LOGIN})
        response = client.get(LOGIN)
        assert "Log in" in response.content.decode()

    def test_a_logged_in_users_choice_is_saved_in_the_profile(
        self, client, sales_manager, password
    ):
        post_login(client, "manager", password)
        client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
        sales_manager.refresh_from_db()
        assert sales_manager.language == "en"
        assert "Latest notifications" in client.get("/").content.decode()

    def test_an_unknown_language_or_foreign_next_is_ignored(self, client):
        response = client.post(
            reverse("accounts:set_language"),
            {"language": "de", "next": "https://evil.example/"},
        )
        assert response.url == reverse("accounts:home")
        assert "django_language" not in response.cookies


def test_totp_helper_matches_the_device(admin_user):
    device = add_totp_device(admin_user)
    assert device.verify_token(totp_token(device))
