"""My next steps on the home page (today and overdue) and the interaction list's filters they
link to: a long overdue list never hides today's steps, counts say how many there are, and
"mark done" takes a step off the page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.accounts.models import User
from crm.clients.models import Interaction, InteractionKind, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_module, db):
    """The demo data, seeded once for this module (tests/conftest.py)."""


def _step(author, days: int, text: str, **extra) -> Interaction:
    organisation = Organisation.objects.filter(owner=author).first()
    return Interaction.objects.create(
        organisation=organisation,
        kind=InteractionKind.CALL,
        subject=f"Звонок: {text}",
        author=author,
        next_step=text,
        next_step_date=timezone.localdate() + timedelta(days=days),
        **extra,
    )


def _open_steps(user):
    return Interaction.objects.filter(author=user, next_step_done=False)


def test_a_long_overdue_list_never_hides_todays_steps(client, logged_in, demo):
    manager = User.objects.get(username="manager")
    for number in range(25):
        _step(manager, -40 - number, f"Давний шаг {number}")
    today = timezone.localdate()
    due_today = _open_steps(manager).filter(next_step_date=today).count()
    overdue = _open_steps(manager).filter(next_step_date__lt=today).count()
    assert due_today >= 3
    assert overdue > 25

    logged_in(manager)
    html = client.get(reverse("accounts:home"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert html.count(">сегодня</span>") == due_today  # every one of today's steps is listed
    assert html.count(">просрочено</span>") == 10  # the ten oldest overdue ones
    assert "Давний шаг 24" in html  # the oldest first
    assert f"Все просроченные: {overdue}" in html
    assert "next_step=overdue" in html
    assert "Все на сегодня" not in html  # all of today's are on the page already


def test_the_list_behind_the_link_shows_my_overdue_steps_only(client, logged_in, demo):
    manager = User.objects.get(username="manager")
    mine = _step(manager, -3, "Мой просроченный шаг")
    _step(manager, 2, "Мой будущий шаг")
    _step(manager, -3, "Мой выполненный шаг", next_step_done=True)
    head = User.objects.get(username="head")
    _step(head, -3, "Чужой просроченный шаг")

    logged_in(manager)
    url = reverse("clients:interaction_list")
    overdue = client.get(f"{url}?author=me&next_step=overdue&sort=next_step_date").content.decode()
    assert "Мой просроченный шаг" in overdue
    for absent in ("Мой будущий шаг", "Мой выполненный шаг", "Чужой просроченный шаг"):
        assert absent not in overdue
    upcoming = client.get(f"{url}?author=me&next_step=upcoming").content.decode()
    assert "Мой будущий шаг" in upcoming
    assert "Мой просроченный шаг" not in upcoming
    done = client.get(f"{url}?author=me&next_step=done").content.decode()
    assert "Мой выполненный шаг" in done
    assert "Мой просроченный шаг" not in done

    # marked done from the home page: off the home page and out of the overdue list
    response = client.post(
        reverse("clients:interaction_done", args=[mine.pk]), {"next": reverse("accounts:home")}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.next_step_done
    assert "Мой просроченный шаг" not in client.get(reverse("accounts:home")).content.decode()
    assert "Мой просроченный шаг" not in client.get(f"{url}?next_step=overdue").content.decode()


def test_a_bad_filter_value_is_a_message_not_an_error(client, logged_in, demo):
    logged_in(User.objects.get(username="manager"))
    url = reverse("clients:interaction_list")
    response = client.get(f"{url}?author=someone&next_step=soon", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200
    assert "Некоторые фильтры не распознаны и не применены." in response.content.decode()
