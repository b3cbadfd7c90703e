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
from dealers.models import SalesReport
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
