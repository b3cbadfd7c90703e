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
