"""The home page's team table: the user's active direct reports, each with position, e-mail
and phone, escaped, a dash for what is missing."""

import pytest

from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db


def team_rows(html: str) -> list[str]:
    return [row.split("</tr>", 1)[0] for row in html.split('data-testid="team-member">')[1:]]


def test_the_team_table_lists_active_direct_reports(client, make_user):
    head = make_user(username="head", role="head_of_sales")
    seller = PositionFactory(name="Менеджер по продажам")
    make_user(
        username="anna",
        last_name="Смирнова",
        first_name="Анна",
        manager=head,
        position=seller,
        phone="+7 495 123-45-67",
    )
    make_user(username="bob", last_name="<b>Бобров</b>", first_name="", manager=head, email="")
    make_user(username="gone", last_name="Ушедший", manager=head, is_active=False)
    make_user(username="other", last_name="Чужой")  # reports to nobody here
    client.force_login(head)
    rows = team_rows(client.get("/").content.decode())
    assert rows == [
        "<td>&lt;b&gt;Бобров&lt;/b&gt;</td><td>—</td><td>—</td><td>—</td>",
        "<td>Смирнова Анна</td><td>Менеджер по продажам</td>"
        '<td><a href="mailto:anna@example.com">anna@example.com</a></td>'
        "<td>+7 495 123-45-67</td>",
    ]


def test_a_user_nobody_reports_to_gets_no_team_card(client, make_user):
    head = make_user(username="head", role="head_of_sales")
    make_user(username="anna", manager=head)
    seller = make_user(username="seller", role="sales_manager")
    client.force_login(seller)
    assert 'id="team-heading"' not in client.get("/").content.decode()
    client.force_login(head)
    assert 'id="team-heading"' in client.get("/").content.decode()


def test_a_user_without_daily_work_here_sees_their_sections(client, make_user, logged_in):
    """A data contractor has no next steps or sales counters: the home page lists the
    sections the menu offers them. An auditor, with none yet, is told so; a sales manager,
    whose page is full of work, gets no such card."""
    from django.urls import reverse

    contractor = make_user(username="contractor", role="data_contractor")
    client.force_login(contractor)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'data-testid="my-sections"' in html
    assert f'href="{reverse("approvals:contractor")}"' in html
    assert "Обмен данными" in html

    from tests.conftest import add_totp_device

    auditor = make_user(username="auditor", role="auditor")
    add_totp_device(auditor)  # auditors sign in with a second factor
    logged_in(auditor)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Для вашей роли пока нет рабочих разделов" in html

    client.force_login(make_user(username="seller", role="sales_manager"))
    assert 'data-testid="my-sections"' not in client.get("/").content.decode()
