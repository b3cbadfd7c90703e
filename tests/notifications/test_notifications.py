"""The inbox, delivery preferences, e-mail through a real SMTP server, digest, downloads."""

import csv
import io
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import timezone

from crm.core.models import OutboxMessage
from crm.notifications import services, tasks
from crm.notifications.models import Delivery, Download, Notification, NotificationPreference
from tests.services import free_port

pytestmark = pytest.mark.django_db


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.received = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        self.received.set()
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost; Django sends to it over the wire."""
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


def queued_email_ids():
    return [m.args[0] for m in OutboxMessage.objects.filter(task_name="notifications.send_email")]


class TestDeliveryPreferences:
    def test_by_default_an_announcement_goes_to_the_inbox_and_by_email(self, sales_manager):
        n = services.notify(sales_manager, "system.announcement", title="Собрание в пятницу")
        assert n.in_app
        assert queued_email_ids() == [n.pk]

    def test_app_only_creates_no_email(self, sales_manager):
        NotificationPreference.objects.create(
            user=sales_manager, event_type="system.announcement", delivery=Delivery.APP
        )
        n = services.notify(sales_manager, "system.announcement", title="x")
        assert n.in_app
        assert queued_email_ids() == []

    def test_email_only_stays_out_of_the_inbox(self, sales_manager):
        NotificationPreference.objects.create(
            user=sales_manager, event_type="system.announcement", delivery=Delivery.EMAIL
        )
        n = services.notify(sales_manager, "system.announcement", title="x")
        assert not n.in_app
        assert queued_email_ids() == [n.pk]

    def test_none_creates_nothing(self, sales_manager):
        NotificationPreference.objects.create(
            user=sales_manager, event_type="system.announcement", delivery=Delivery.NONE
        )
        assert services.notify(sales_manager, "system.announcement", title="x") is None
        assert Notification.objects.count() == 0

    def test_digest_users_get_no_immediate_email(self, make_user):
        user = make_user(digest_enabled=True)
        n = services.notify(user, "system.announcement", title="x")
        assert n.pending_digest
        assert queued_email_ids() == []

    def test_the_preferences_page_saves_choices(self, client, sales_manager):
        client.force_login(sales_manager)
        page = client.get(reverse("notifications:preferences"))
        assert page.status_code == 200
        # Every registered event has a choice on the page (apps add events of their own).
        choices = {
            name: field.initial or "app"
            for name, field in page.context["form"].fields.items()
            if name.startswith("event__")
        }
        response = client.post(
            reverse("notifications:preferences"),
            {
                **choices,
                "event__system__announcement": "none",
                "event__download__ready": "both",
                "event__account__password_changed": "email",
                "event__clients__assigned": "app",
                "digest_enabled": "on",
            },
        )
        assert response.status_code == 302
        prefs = dict(
            NotificationPreference.objects.filter(user=sales_manager).values_list(
                "event_type", "delivery"
            )
        )
        assert prefs["system.announcement"] == "none"
        sales_manager.refresh_from_db()
        assert sales_manager.digest_enabled

    def test_an_invalid_choice_is_refused_with_a_message(self, client, sales_manager):
        client.force_login(sales_manager)
        response = client.post(
            reverse("notifications:preferences"), {"event__system__announcement": "fax"}
        )
        assert response.status_code == 200
        assert "Выберите корректный вариант" in response.content.decode()
        assert not NotificationPreference.objects.exists()


class TestInbox:
    def test_the_badge_counts_unread_for_htmx(self, client, sales_manager):
        services.notify(sales_manager, "download.ready", title="a")
        services.notify(sales_manager, "download.ready", title="b")
        client.force_login(sales_manager)
        response = client.get(reverse("notifications:unread_badge"), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert (
            '<span class="badge rounded-pill text-bg-danger">2</span>' in response.content.decode()
        )

    def test_the_navbar_loads_the_badge_lazily(self, client, sales_manager):
        client.force_login(sales_manager)
        html = client.get("/").content.decode()
        assert 'hx-trigger="load, every 30s"' in html

    def test_marking_read_one_and_all(self, client, sales_manager):
        a = services.notify(sales_manager, "download.ready", title="a")
        services.notify(sales_manager, "download.ready", title="b")
        client.force_login(sales_manager)
        response = client.post(
            reverse("notifications:mark_read", args=[a.pk]), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        a.refresh_from_db()
        assert a.read_at is not None
        client.post(reverse("notifications:mark_all_read"))
        assert not Notification.objects.filter(read_at__isnull=True).exists()

    def test_opening_marks_read_and_follows_the_link(self, client, sales_manager):
        n = services.notify(sales_manager, "download.ready", title="a", url="/profile/")
        client.force_login(sales_manager)
        response = client.get(reverse("notifications:open", args=[n.pk]))
        assert response.url == "/profile/"
        n.refresh_from_db()
        assert n.is_read

    def test_an_outside_link_is_not_followed(self, client, sales_manager):
        n = services.notify(sales_manager, "download.ready", title="a", url="https://evil.example/")
        client.force_login(sales_manager)
        response = client.get(reverse("notifications:open", args=[n.pk]))
        assert response.url == reverse("notifications:inbox")

    def test_another_users_notification_is_not_found(self, client, sales_manager, make_user):
        other = make_user()
        n = services.notify(other, "download.ready", title="secret")
        client.force_login(sales_manager)
        assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
        assert client.post(reverse("notifications:mark_read", args=[n.pk])).status_code == 404
        assert "secret" not in client.get(reverse("notifications:inbox")).content.decode()
        n.refresh_from_db()
        assert n.read_at is None


class TestEmail:
    @pytest.mark.parametrize(
        ("language", "greeting", "footer"),
        [
            ("ru", "Здравствуйте", "настройках уведомлений"),
            ("en", "Hello", "notification settings"),
        ],
    )
    def test_a_notification_reaches_a_real_smtp_server_in_the_users_language(
        self, smtp_server, make_user, language, greeting, footer
    ):
        user = make_user(first_name="Olga", language=language, email="olga@example.com")
        services.notify_password_changed(user)
        (notification_id,) = queued_email_ids()
        assert tasks.send_notification_email.run(notification_id) is True
        assert smtp_server.received.wait(5)
        (envelope,) = smtp_server.messages
        assert envelope.rcpt_tos == ["olga@example.com"]
        text = envelope.content
        assert greeting in _decoded(text)
        assert footer in _decoded(text)

    def test_an_email_is_never_sent_twice(self, smtp_server, sales_manager):
        n = services.notify(sales_manager, "system.announcement", title="x")
        assert tasks.send_notification_email.run(n.pk) is True
        assert tasks.send_notification_email.run(n.pk) is False
        assert smtp_server.received.wait(5)
        time.sleep(0.2)
        assert len(smtp_server.messages) == 1

    def test_the_digest_collects_and_runs_once(self, smtp_server, make_user):
        user = make_user(digest_enabled=True, language="ru")
        services.notify(user, "system.announcement", title="Первое")
        services.notify(user, "system.announcement", title="Второе")
        assert tasks.send_digests.run() == 1
        assert tasks.send_digests.run() == 0
        assert smtp_server.received.wait(5)
        (envelope,) = smtp_server.messages
        body = _decoded(envelope.content)
        assert "Первое" in body
        assert "Второе" in body


def _decoded(raw: bytes) -> str:
    """The text of a MIME message, whatever transfer encoding Django chose."""
    import email
    from email import policy

    message = email.message_from_bytes(raw, policy=policy.default)
    parts = [message.get("Subject", "")]
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            parts.append(part.get_content())
    return "\n".join(parts)


class TestDownloads:
    def make(self, owner, **kwargs):
        return services.download_create(
            owner, title="Выгрузка", filename="x.csv", content=b"a;b\n", **kwargs
        )

    def test_the_owner_downloads_the_file_and_is_notified(self, client, sales_manager):
        download = self.make(sales_manager)
        assert sales_manager.notifications.filter(event_type="download.ready").exists()
        client.force_login(sales_manager)
        page = client.get(reverse("notifications:downloads"))
        assert "Выгрузка" in page.content.decode()
        response = client.get(reverse("notifications:download_file", args=[download.token]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"a;b\n"
        assert response["Cache-Control"] == "no-store"
        assert "attachment" in response["Content-Disposition"]

    def test_another_user_gets_404(self, client, sales_manager, make_user):
        download = self.make(make_user())
        client.force_login(sales_manager)
        response = client.get(reverse("notifications:download_file", args=[download.token]))
        assert response.status_code == 404

    def test_anonymous_users_are_sent_to_login(self, client, sales_manager):
        download = self.make(sales_manager)
        response = client.get(reverse("notifications:download_file", args=[download.token]))
        assert response.status_code == 302

    def test_files_are_not_under_any_public_url(self, settings):
        assert settings.MEDIA_URL in (None, "")

    def test_expired_downloads_are_purged_with_their_files(self, sales_manager):
        download = self.make(sales_manager)
        path = download.file.path
        Download.objects.filter(pk=download.pk).update(expires_at=timezone.now() - timedelta(1))
        assert tasks.purge_downloads.run() == 1
        assert not Download.objects.exists()
        import os

        assert not os.path.exists(path)

    def test_my_data_lands_in_downloads_with_formula_cells_neutralised(self, client, sales_manager):
        sales_manager.last_name = '=HYPERLINK("http://x")'
        sales_manager.save()
        services.notify(sales_manager, "system.announcement", title="+7 (495) 123-45-67")
        client.force_login(sales_manager)
        response = client.post(reverse("notifications:request_my_data"))
        assert response.status_code == 302
        (message,) = OutboxMessage.objects.filter(task_name="notifications.export_my_data")
        tasks.export_my_data.run(*message.args)
        download = Download.objects.get(owner=sales_manager)
        content = download.file.open("rb").read().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(content), delimiter=";"))
        cells = [cell for row in rows for cell in row]
        assert '\'=HYPERLINK("http://x")' in cells
        assert "'+7 (495) 123-45-67" in cells
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
