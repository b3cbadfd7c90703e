"""The dealers that have not reported for a quarter: the working dealers the user may see with
no report for it (default: the last quarter due), their manager and their last report; the
organisation list's filters and export; nothing for dealers or users without the reports'
permission.

The sales world: alpha (dealer, Moscow, the manager's) with its sub-dealer; zulu (dealer,
St Petersburg, the stranger's).
"""

import csv
import io
from datetime import datetime

import pytest
from django.utils import timezone

from crm.clients.models import OrganisationStatus
from crm.sales.selectors import dealers_not_reported, due_quarter
from dealers.models import ReportingPeriod, SalesReport
from tests.sales.conftest import acting_for, may_view_sales
from tests.sales.factories import DealerFactory

pytestmark = pytest.mark.django_db

URL = "/sales/plan-fact/not-reported/"


def reported(organisation, quarter, day=None):
    submitted = timezone.make_aware(
        datetime.combine(day or quarter.next().start, datetime.min.time())
    )
    return SalesReport.objects.create(
        organisation=organisation, quarter_start=quarter.start, submitted_at=submitted
    )


def listed(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [row["html"] for row in response.context["rows"]]


def names(client, **params) -> set[str]:
    html = " ".join(listed(client, **params))
    return {name for name in ("Альфа-Дилер", "Альфа-Суб", "Зулу-Дилер", "Спящий") if name in html}


def test_the_last_due_quarter_is_the_one_before_the_current():
    today = timezone.localdate()
    assert due_quarter(today).next().start <= today <= due_quarter(today).next().end


def test_a_manager_sees_their_dealers_without_a_report_and_not_sub_dealers(sales_world, logged_in):
    w = sales_world
    assert names(logged_in(w["manager"])) == {"Альфа-Дилер"}  # zulu is the stranger's
    assert names(logged_in(w["stranger"])) == {"Зулу-Дилер"}
    assert names(logged_in(w["head"])) == {"Альфа-Дилер", "Зулу-Дилер"}


def test_a_report_for_the_quarter_takes_the_dealer_off_the_list(sales_world, logged_in):
    w = sales_world
    due = due_quarter()
    reported(w["alpha"], due.previous())
    client = logged_in(w["head"])
    (alpha_row,) = [row for row in listed(client) if "Альфа-Дилер" in row]
    assert due.previous().label in alpha_row  # its last report
    reported(w["alpha"], due)
    assert names(client) == {"Зулу-Дилер"}
    older = due.previous()  # alpha reported for it; zulu did not
    assert names(client, quarter=older.slug) == {"Зулу-Дилер"}
    assert names(client, quarter=older.previous().slug) == {"Альфа-Дилер", "Зулу-Дилер"}


def test_potential_and_archived_dealers_owe_nothing(sales_world, logged_in):
    w = sales_world
    DealerFactory(name="Спящий", owner=w["manager"], status=OrganisationStatus.POTENTIAL)
    archived = DealerFactory(name="Спящий-2", owner=w["manager"], region=w["regions"]["77"])
    archived.is_archived = True
    archived.save(update_fields=["is_archived"])
    assert names(logged_in(w["manager"])) == {"Альфа-Дилер"}


def test_a_future_or_malformed_quarter_falls_back_to_the_due_one(sales_world, logged_in):
    client = logged_in(sales_world["head"])
    response = client.get(URL, {"quarter": due_quarter().next().next().slug})
    assert due_quarter().label in response.context["title"]
    assert client.get(URL, {"quarter": "soon"}).status_code == 200


def test_the_export_carries_the_list_with_the_last_report(sales_world, logged_in):
    w = sales_world
    reported(w["alpha"], due_quarter().previous())
    response = logged_in(w["manager"]).get(
        URL, {"export": "csv", "columns": ["name", "owner", "last_report"]}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][0] == "Альфа-Дилер"
    assert due_quarter().previous().label in rows[1][2]


def test_the_selector_reads_reports_through_their_rule(sales_world):
    w = sales_world
    reported(w["zulu"], due_quarter())
    # The manager sees neither zulu nor its report; the head sees zulu has reported.
    assert list(dealers_not_reported(w["head"], due_quarter()).values_list("name", flat=True)) == [
        "Альфа-Дилер"
    ]


def test_dealers_and_users_without_the_reports_permission_get_nothing(
    sales_world, logged_in, make_user
):
    w = sales_world
    may_view_sales(w["dealer"])
    acting_for(w["dealer"], w["alpha"])
    assert logged_in(w["dealer"]).get(URL).status_code == 403
    assert logged_in(make_user(username="plain")).get(URL).status_code == 403


# --- closing and reopening the quarter from the page ---------------------------------------------


def period_panel(client, quarter) -> str:
    response = client.get(URL, {"quarter": quarter.slug})
    html = response.content.decode()
    start = html.index('data-testid="period-state"')
    return html[start : html.index("</section>", start)]


def test_the_head_of_sales_closes_the_due_quarter_and_reopens_it(sales_world, logged_in):
    w = sales_world
    due, client = due_quarter(), logged_in(w["head"])
    panel = period_panel(client, due)
    assert "открыт для дилеров" in panel  # today is past its closing date, or before it
    assert 'data-testid="period-close"' in panel
    assert 'data-testid="period-reopen"' not in panel

    response = client.post(f"{URL}{due.slug}/close/", follow=True)
    assert "закрыт: дилеры больше не могут изменить" in response.content.decode()
    period = ReportingPeriod.objects.get(quarter_start=due.start)
    assert period.is_closed
    assert period.closed_by == w["head"]
    panel = period_panel(client, due)
    assert "закрыт для дилеров с" in panel
    assert 'data-testid="period-reopen"' in panel
    # A second press (a stale page) changes nothing and says so.
    response = client.post(f"{URL}{due.slug}/close/", follow=True)
    assert "уже был закрыт" in response.content.decode()

    client.post(f"{URL}{due.slug}/reopen/")
    period.refresh_from_db()
    assert not period.is_closed
    assert period.reopened_by == w["head"]
    assert "открыт снова" in period_panel(client, due)


def test_an_older_quarter_cannot_be_reopened(sales_world, logged_in):
    w = sales_world
    older, client = due_quarter().previous(), logged_in(w["head"])
    panel = period_panel(client, older)
    assert "только за последние два квартала" in panel
    assert "period-reopen" not in panel
    assert "period-close" not in panel
    response = client.post(f"{URL}{older.slug}/reopen/", follow=True)
    assert "слишком давний" in response.content.decode()
    assert not ReportingPeriod.objects.filter(quarter_start=older.start).exists()


def test_without_the_permissions_there_are_no_buttons_and_a_post_is_refused(sales_world, logged_in):
    w = sales_world
    due, client = due_quarter(), logged_in(w["manager"])
    panel = period_panel(client, due)
    assert "period-close" not in panel
    assert "period-reopen" not in panel
    assert client.post(f"{URL}{due.slug}/close/").status_code == 403
    ReportingPeriod.objects.create(quarter_start=due.start, is_closed=True)
    assert client.post(f"{URL}{due.slug}/reopen/").status_code == 403
    assert ReportingPeriod.objects.get(quarter_start=due.start).is_closed


@pytest.mark.parametrize("slug", ["soon", "2026-9", "2999-1"])
def test_a_malformed_or_future_quarter_is_not_found(sales_world, logged_in, slug):
    client = logged_in(sales_world["head"])
    assert client.post(f"{URL}{slug}/close/").status_code == 404
    assert not ReportingPeriod.objects.exists()
