"""The staff plan-vs-fact page: period, flow, level and product group from the URL; each row
drills one level down; the rows are the user's; a foreign id is a 404; the XLSX export is the
cut on screen, under the export permission, quota and log; a fixed handful of queries reading
only the monthly sums and the plans.

The data is test_plan_vs_fact's first quarter of 2026 (its ``plans`` fixture): sell-out
Moscow (77) 1,300 against the region's own plan of 3,000 and its dealers' plans of 1,400;
the Moscow oblast (50) 400; St Petersburg (78, the stranger's) 700; sell-in 5,000 to alpha.
"""

import io
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from django.urls import reverse

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.core.models import ExportLog, ExportStatus
from crm.sales.choices import Flow, Level, PeriodKind
from crm.sales.planfact_periods import ReportPeriod
from tests.sales.conftest import acting_for, may_view_sales
from tests.sales.test_plan_vs_fact import ledger  # noqa: F401 (a fixture)
from tests.sales.test_plan_vs_fact import plans as _plans  # noqa: F401 (a fixture)
from tests.security.conftest import add_perms

pytestmark = pytest.mark.django_db

URL = "/sales/plan-fact/"
Q1 = {"period": "2026-Q1", "flow": Flow.SELL_OUT}


@pytest.fixture
def world(request):
    """test_plan_vs_fact's sales world with its lines and plans of the first quarter of 2026."""
    return request.getfixturevalue("_plans")


def grant(user, *codenames):
    add_perms(user, *codenames, app="sales")
    user.refresh_access()


def page(client, **params):
    response = client.get(URL, {**Q1, **params})
    assert response.status_code == 200, response.status_code
    return response.context


def rows(context):
    return {line.name: line for line in context["lines"]}


def column(context, attr):
    return [m.attr for m in context["measures"]].index(attr)


def follow(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.context


def test_the_address_is_the_reports(world):
    assert reverse("sales:planfact") == URL
    assert reverse("sales:not_reported") == URL + "not-reported/"


def test_regions_show_their_own_plan_their_dealers_plans_and_the_facts(world, logged_in):
    context = page(logged_in(world["manager"]))
    found = rows(context)
    assert set(found) == {"Москва", "Московская область"}  # not St Petersburg
    moscow = found["Москва"]
    plan, fact, completion, dealers = (
        moscow.values[column(context, attr)]
        for attr in ("plan_amount", "fact_amount", "completion_amount", "children_plan_amount")
    )
    assert (plan, fact, completion, dealers) == (3000, 1300, Decimal("43.3"), 1400)
    assert moscow.cells[column(context, "completion_amount")] == "43,3\u00a0%"
    assert moscow.cells[column(context, "plan_amount")] == "3\u202f000\u00a0₽"
    total = context["table"].total
    assert (total.fact_amount, total.plan_amount, total.children_plan_amount) == (1700, 3000, 1700)


def test_a_region_drills_down_to_its_dealers_and_a_dealer_to_its_outlets(world, logged_in):
    client = logged_in(world["manager"])
    moscow = rows(page(client))["Москва"]
    dealers = follow(client, moscow.drill_url)
    assert dealers["cut"].level == Level.DEALER
    assert dealers["cut"].region == world["regions"]["77"]
    alpha = rows(dealers)["Альфа-Дилер"]
    assert alpha.values[column(dealers, "plan_amount")] == 1400
    assert alpha.values[column(dealers, "children_plan_amount")] == 600  # its outlets' plans
    outlets = follow(client, alpha.drill_url)
    assert outlets["cut"].level == Level.OUTLET
    assert len(outlets["lines"]) == 2  # its outlet, and its sales without one
    assert outlets["lines"][-1].drill_url == ""
    outlet = rows(outlets)["Альфа-Точка"]
    assert outlet.values[column(outlets, "fact_amount")] == 800
    groups = follow(client, outlet.drill_url)
    assert groups["cut"].level == Level.PRODUCT_GROUP
    assert groups["cut"].outlet == world["alpha_outlet"]
    assert [crumb for crumb, _url in groups["crumbs"]][1:] == [
        "Москва",
        "Альфа-Дилер",
        "Альфа-Точка",
    ]


def test_product_groups_drill_into_their_subgroups(world, logged_in):
    client = logged_in(world["head"])
    top = rows(page(client, level=Level.PRODUCT_GROUP))
    assert set(top) == {"Масла", "Жидкости"}
    assert top["Жидкости"].drill_url == ""  # no subgroups
    inside = follow(client, top["Масла"].drill_url)
    found = rows(inside)
    assert found["Синтетика"].values[column(inside, "fact_amount")] == 800
    assert found["Масла"].drill_url == ""  # the lines on the group itself


def test_a_region_row_offers_its_product_groups(world, logged_in):
    client = logged_in(world["manager"])
    moscow = rows(page(client))["Москва"]
    query = parse_qs(urlparse(moscow.groups_url).query)
    assert query["level"] == [Level.PRODUCT_GROUP]
    groups = follow(client, moscow.groups_url)
    assert sum(line.values[column(groups, "fact_amount")] for line in groups["lines"]) == 1300


def test_sell_in_and_sell_out_are_never_added_together(world, logged_in):
    client = logged_in(world["head"])
    sell_out = page(client)["table"].total
    sell_in = page(client, flow=Flow.SELL_IN)["table"].total
    assert (sell_out.fact_amount, sell_in.fact_amount) == (2400, 8000)
    assert page(client, flow="both")["cut"].problems  # not understood: said so
    assert page(client, flow="both")["cut"].flow == Flow.SELL_IN


def test_periods_months_quarters_and_years(world, logged_in):
    client = logged_in(world["head"])
    january = page(client, period="2026-01")["table"].total
    assert january.fact_amount == 1700  # alpha 1,000 and zulu 700
    assert page(client, period="2026")["table"].total.fact_amount == 12400  # April too
    broken = page(client, period="2026-13")
    assert broken["cut"].problems
    assert broken["cut"].period.kind == PeriodKind.QUARTER


@pytest.mark.parametrize("name", ["region", "organisation", "outlet", "product_group"])
def test_a_foreign_or_unknown_id_is_not_found(world, logged_in, name):
    w = world
    foreign = {
        "region": w["regions"]["78"].pk,
        "organisation": w["zulu"].pk,
        "outlet": w["zulu_outlet"].pk,
        "product_group": 987654,
    }[name]
    client = logged_in(w["manager"])
    assert client.get(URL, {**Q1, name: foreign}).status_code == 404
    assert client.get(URL, {**Q1, name: "1 OR 1=1"}).status_code == 404
    if name != "product_group":  # the head of sales sees the whole company
        assert logged_in(w["head"]).get(URL, {**Q1, name: foreign}).status_code == 200


def test_outlets_need_a_region_or_a_dealer(world, logged_in):
    context = page(logged_in(world["head"]), level=Level.OUTLET)
    assert context["cut"].level == Level.DEALER
    assert context["cut"].problems


def test_a_hidden_amount_is_no_column_and_not_in_the_file(world, logged_in):
    w = world
    FieldPolicy.objects.create(
        position=w["sales_position"], model="sales.salesline", field="amount",
        access=FieldAccess.HIDDEN,
    )  # fmt: skip
    grant(w["manager"], "export_salesline")
    client = logged_in(w["manager"])
    context = page(client)
    attrs = [m.attr for m in context["measures"]]
    assert "fact_amount" not in attrs
    assert "completion_amount" not in attrs
    assert "fact_quantity" in attrs
    assert not any("1\u202f300" in cell for line in context["lines"] for cell in line.cells)
    sheet = workbook(client.get(URL, {**Q1, "export": "xlsx"}))
    assert 1300 not in [cell for row in sheet for cell in row]
    assert 13 in [cell for row in sheet for cell in row]


def workbook(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_export_is_the_cut_on_screen_and_is_logged(world, logged_in):
    w = world
    client = logged_in(w["regional"])
    context = page(client, level=Level.DEALER, region=w["regions"]["77"].pk)
    response = client.get(URL, {**Q1, "level": Level.DEALER, "region": w["regions"]["77"].pk,
                                "export": "xlsx"})  # fmt: skip
    sheet = workbook(response)
    assert sheet[0][1:] == [m.label for m in context["measures"]]
    fact = column(context, "fact_amount") + 1
    shown = len(context["lines"])
    body = {row[0]: row for row in sheet[1 : shown + 1]}
    assert set(body) == {line.name for line in context["lines"]}
    assert body["Альфа-Дилер"][fact] == 1300
    assert "Зулу-Дилер" not in body
    total = sheet[shown + 1]
    assert total[fact] == 1300  # the total row: Moscow has alpha only (its sub-dealer is in 50)
    assert "Москва" in [row[1] for row in sheet[shown + 2 :] if row]  # the cut, in words
    entry = ExportLog.objects.get(user=w["regional"])
    assert (entry.model, entry.rows, entry.status) == ("sales.salesmonth", 2, ExportStatus.DONE)


def test_the_export_needs_its_permission_and_respects_the_quota(world, logged_in):
    w = world
    client = logged_in(w["manager"])  # a sales manager may not export sales
    assert client.get(URL, {**Q1, "export": "xlsx"}).status_code == 403
    assert not page(client)["can_export"]
    regional = w["regional"]
    regional.export_daily_rows = 1
    regional.save(update_fields=["export_daily_rows"])
    response = logged_in(regional).get(URL, {**Q1, "export": "xlsx"})
    assert response.status_code == 302
    assert ExportLog.objects.get(user=regional).status == ExportStatus.REFUSED


def test_dealers_and_users_without_sales_get_no_report(world, logged_in, make_user):
    may_view_sales(world["dealer"])
    acting_for(world["dealer"], world["alpha"])
    assert logged_in(world["dealer"]).get(URL).status_code == 403
    nobody = make_user(username="plain")
    assert logged_in(nobody).get(URL).status_code == 403


def test_a_wide_cut_shows_its_largest_rows_and_the_whole_total(world, logged_in, monkeypatch):
    monkeypatch.setattr("crm.sales.planfact.PAGE_ROWS", 1)
    context = page(logged_in(world["head"]), level=Level.DEALER)
    assert context["table"].truncated
    assert [line.name for line in context["lines"]] == ["Альфа-Дилер"]  # 1,300 is the largest
    assert context["table"].total.fact_amount == 2400


def test_the_page_reads_only_sums_and_plans_in_a_fixed_number_of_queries(
    world, logged_in, django_assert_max_num_queries
):
    client = logged_in(world["head"])
    client.get(URL, Q1)  # sessions, scope and permission caches warm
    with django_assert_max_num_queries(16) as captured:
        client.get(URL, Q1)
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "sales_salesline" not in sql
    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(URL, {**Q1, "level": Level.DEALER})


def test_report_periods_parse_name_and_step():
    quarter = ReportPeriod.from_slug("2026-Q4")
    assert (quarter.start, quarter.end, quarter.next().slug) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        "2027-Q1",
    )
    assert ReportPeriod.from_slug("2026-01").previous().slug == "2025-12"
    assert ReportPeriod.from_slug("2026").end == date(2026, 12, 31)
    for bad in ("2026-Q5", "2026-00", "26", "", "2026-1"):
        with pytest.raises(ValueError, match="Not a"):
            ReportPeriod.from_slug(bad)


def test_roubles_by_default_quantities_or_both_on_request_and_in_the_file(world, logged_in):
    w = world
    grant(w["regional"], "export_salesline")
    client = logged_in(w["regional"])
    for units, expected in (
        (None, {"amount"}),
        ("quantity", {"quantity"}),
        ("both", {"amount", "quantity"}),
        ("nonsense", {"amount"}),
    ):
        params = {**Q1, **({"units": units} if units else {})}
        context = client.get(URL, params).context
        attrs = [m.attr for m in context["measures"]]
        assert {attr.rsplit("_", 1)[1] for attr in attrs} == expected, units
        sheet = workbook(client.get(URL, {**params, "export": "xlsx"}))
        assert sheet[0][1:] == [m.label for m in context["measures"]]
    # The choice survives the links to another level or period.
    context = client.get(URL, {**Q1, "units": "both"}).context
    assert all("units=both" in query for _value, _label, query in context["levels"])
    assert "units=both" in context["next_url"]
