"""The admin change lists render with a bounded number of queries over the demo data.

Every test here reads the demo data, seeded once for the module (tests/conftest.py
demo_module): a test that needs an empty database belongs in test_admin.py.
"""

import pytest
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "accounts_user",
    "accounts_orgunit",
    "accounts_position",
    "refs_country",
    "refs_federaldistrict",
    "refs_region",
    "refs_city",
    "core_apikey",
    "core_outboxmessage",
    "notifications_notification",
    "notifications_download",
    "django_celery_beat_periodictask",
    "axes_accessattempt",
]


@pytest.fixture
def demo(demo_module, db):
    """The demo data, seeded once for this module (tests/conftest.py)."""


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelists_render_with_bounded_queries(
    client, admin_user, logged_in, demo, name, django_assert_max_num_queries
):
    logged_in(admin_user)
    with django_assert_max_num_queries(25):
        response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


def test_the_audit_trail_is_browsable(client, admin_user, logged_in, demo):
    logged_in(admin_user)
    response = client.get(reverse("admin:pghistory_events_changelist"))
    assert response.status_code == 200


def test_the_periodic_task_form_has_no_inline_script(client, admin_user, logged_in, demo):
    """django-celery-beat's form template ends with an inline script, which the CSP blocks;
    ours loads the same behaviour from a static file (templates/admin/djcelery)."""
    import re

    from django_celery_beat.models import PeriodicTask

    logged_in(admin_user)
    task = PeriodicTask.objects.order_by("pk").first()
    response = client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    inline = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html)
        if " src=" not in tag and "application/json" not in tag
    ]
    assert inline == []
    assert "crm/js/admin_periodic_task" in html
    assert 'id="readable-crontabs"' in html
    assert "crm/img/favicon" in html  # templates/admin/base_site.html: no /favicon.ico 404


def test_third_party_sections_read_in_russian(client, admin_user, logged_in, demo):
    """django-otp, pghistory and axes name their sections in English only, and celery-beat's
    Russian catalogue lacks its fieldsets: crm.core.third_party names them."""
    from django_celery_beat.models import PeriodicTask

    logged_in(admin_user)
    index = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    for russian in (
        "Двухфакторный вход: резервные коды",
        "Наборы резервных кодов",
        "Приложения-аутентификаторы",
        "События изменений",
        "Защита входа",
    ):
        assert russian in index
    for english in ("Static devices", "TOTP devices", ">Events<", "Otp_static", "Pghistory"):
        assert english not in index
    task = PeriodicTask.objects.get(task="sales.recompute_churn")
    assert task.name == "Ночной расчёт оттока клиентов"  # sync_schedules, in the site's language
    form = client.get(
        reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]),
        HTTP_ACCEPT_LANGUAGE="ru",
    ).content.decode()
    assert "Параметры выполнения" in form
    assert "Execution Options" not in form
    # django-celery-beat's crontab in words: Russian day names, in the case the phrase needs
    crontab = task.crontab
    assert crontab.human_readable.startswith("В ")
    crontab.day_of_week = "3"
    with translation.override("ru"):
        assert "только в среду" in crontab.human_readable
    with translation.override("en"):
        assert "only on Wednesday" in crontab.human_readable
    crontab.day_of_week = "1,2,3,4,5"
    with translation.override("ru"):
        assert "понедельник, вторник, среду, четверг и пятницу" in crontab.human_readable
    schedules = client.get(
        reverse("admin:django_celery_beat_crontabschedule_changelist"), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert "расписание по часам (crontab)" in schedules
    assert "Словами" in schedules
    assert "Human Readable" not in schedules


def _records_ru(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return "запись"
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return "записи"
    return "записей"


def test_admin_titles_name_the_model_grammatically(client, admin_user, logged_in, demo):
    """Django's Russian admin says "Изменить организация" and "Выберите организация для
    изменения"; ours phrase the titles so that a model's name of any gender reads right."""
    from crm.refs.models import PaymentForm

    logged_in(admin_user)
    payment_form = PaymentForm.objects.first()
    pages = {
        reverse("admin:refs_paymentform_changelist"): (
            "Выберите объект типа «форма оплаты» для изменения"
        ),
        reverse("admin:refs_paymentform_add"): "Добавление: форма оплаты",
        reverse("admin:refs_paymentform_change", args=[payment_form.pk]): (
            "Изменение: форма оплаты"
        ),
    }
    for url, title in pages.items():
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
        assert title in html, url
        if url.endswith("/paymentform/"):  # the count is declined by the number
            count = PaymentForm.objects.count()
            assert f"{count} {_records_ru(count)}" in html
        assert "Изменить форма оплаты" not in html
        assert "Добавить форма оплаты" not in html
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    english = client.get(reverse("admin:refs_paymentform_changelist")).content.decode()
    assert "Select payment form to change" in english
