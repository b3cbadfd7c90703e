"""The dealer cabinet against real PostgreSQL: who acts for whom, the quarterly report (prefill,
submission into the ledger, resubmission, empty cells, closed quarters, stale forms, outliers),
the sub-dealer panel and the outlets, all through the one access policy."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from crm.accounts.scopes import scope_of
from crm.core import sanity
from crm.core.choices import Channel, Source
from crm.core.periods import Quarter
from crm.sales import services as sales_services
from crm.sales.choices import Flow, Level
from crm.sales.models import SalesLine
from crm.sales.selectors import plan_vs_fact
from dealers import forms, selectors, services
from dealers.models import DealerMembership, SaleEntry, SalesReport
from tests.dealers.conftest import (
    close,
    dealer_lines,
    draft,
    full_grid,
    grid_data,
    report_url,
)
from tests.sales.conftest import line
from tests.sales.factories import OutletFactory, PlanFactory

pytestmark = pytest.mark.django_db

D = Decimal


def russian(message) -> str:
    """The text a Russian-speaking user is shown, as it appears in the page's HTML."""
    with translation.override("ru"):
        return escape(str(message))


# --- membership and scope -------------------------------------------------------------------------


def test_a_dealers_user_acts_for_the_dealer_and_its_sub_dealers(cabinet_world):
    w = cabinet_world
    assert scope_of(w["dealer"]).dealer_ids == {w["alpha"].pk, w["alpha_sub"].pk}
    assert scope_of(w["subdealer"]).dealer_ids == {w["alpha_sub"].pk}
    assert scope_of(w["zulu_dealer"]).dealer_ids == {w["zulu"].pk}


def test_staff_and_unlinked_users_act_for_nobody(cabinet_world, make_user):
    w = cabinet_world
    DealerMembership.objects.create(user=w["manager"], organisation=w["zulu"])  # a mistake
    assert scope_of(w["manager"]).dealer_ids == frozenset()
    assert scope_of(make_user(username="newcomer", role="dealer")).dealer_ids == frozenset()


def test_an_unlinked_dealer_user_is_told_to_ask_for_a_link(cabinet_world, logged_in, make_user):
    client = logged_in(make_user(username="newcomer", role="dealer"))
    response = client.get(reverse("dealers:home"))
    assert response.status_code == 200
    assert 'data-testid="unlinked"' in response.content.decode()
    assert client.get(reverse("dealers:outlet_list")).status_code == 404


@pytest.mark.parametrize("who", ["manager", "head", "analyst", "regional", "auditor"])
def test_the_cabinet_does_not_exist_for_staff(cabinet_world, logged_in, who):
    client = logged_in(cabinet_world[who])
    for url in (
        reverse("dealers:home"),
        report_url(cabinet_world["quarter"]),
        reverse("dealers:outlet_list"),
        reverse("dealers:saleentry_list"),
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(report_url(cabinet_world["quarter"]), full_grid(cabinet_world)).status_code
        == 404
    )
    assert not SalesReport.objects.exists()


# --- home -----------------------------------------------------------------------------------------


def test_the_home_page_shows_the_quarters_plan_vs_fact_of_the_own_organisation(
    cabinet_world, logged_in
):
    w = cabinet_world
    quarter = w["quarter"]
    PlanFactory(
        outlet=w["alpha_outlet"],
        product_group=w["oils"],
        period_start=quarter.start,
        quantity=D(40),
        amount=D(80000),
    )
    PlanFactory(
        outlet=w["zulu_outlet"],
        product_group=w["oils"],
        period_start=quarter.start,
        amount=D(999000),
    )
    services.report_submit(
        w["dealer"],
        organisation=w["alpha"],
        quarter=quarter,
        figures={(w["alpha_outlet"].pk, w["oils"].pk): (D(20), D(40000))},
        expected_version=0,
    )
    response = logged_in(w["dealer"]).get(reverse("dealers:home"))
    html = response.content.decode()
    assert response.status_code == 200
    by_group = {row.name: row for row in response.context["by_group"]}
    assert by_group["Масла"].plan_amount == D(80000)
    assert by_group["Масла"].fact_amount == D(40000)
    assert by_group["Масла"].completion == D("50.0")
    assert [row.name for row in response.context["by_outlet"]] == ["Альфа-Точка"]
    assert "Зулу" not in html
    assert "999" not in html
    assert "<svg" in html  # the chart
    assert 'data-testid="report-due"' in html


def test_the_home_page_shows_the_largest_outlets_and_all_on_request(
    cabinet_world, logged_in, monkeypatch
):
    w = cabinet_world
    monkeypatch.setattr(selectors, "HOME_ROWS", 1)
    second = OutletFactory(dealer=w["alpha"], name="Альфа-Вторая")
    sold = [
        line(f"big-{n}", flow=Flow.SELL_OUT, seller_id=w["alpha"].pk, outlet_id=outlet.pk,
             product_id=w["oil"].pk, date=selectors.today(), quantity=1, amount=amount)
        for n, (outlet, amount) in enumerate(((w["alpha_outlet"], 900), (second, 2500)))
    ]  # fmt: skip
    sales_services.record_lines(sold, source=Source.DEALER, channel=Channel.WEB)
    client = logged_in(w["dealer"])
    home = client.get(reverse("dealers:home"))
    assert [row.name for row in home.context["by_outlet"]] == ["Альфа-Вторая"]
    assert home.context["by_outlet"].count == 2
    html = home.content.decode()
    assert 'data-testid="more-rows"' in html
    assert "rows=all" in html
    everything = client.get(reverse("dealers:home"), {"rows": "all"})
    assert [row.name for row in everything.context["by_outlet"]] == ["Альфа-Вторая", "Альфа-Точка"]
    assert 'data-testid="more-rows"' not in everything.content.decode()


def test_the_dealer_sees_its_sub_dealers_sales_and_the_sub_dealer_only_its_own(
    cabinet_world, logged_in
):
    w = cabinet_world
    services.entry_record(
        w["subdealer"],
        organisation=w["alpha_sub"],
        data=services.EntryData(
            date=selectors.today(),
            product=w["oil"],
            quantity=D(3),
            amount=D(1500),
            outlet=w["sub_outlet"],
        ),
    )
    dealer_home = logged_in(w["dealer"]).get(reverse("dealers:home"))
    sub_rows = {row.name: row for row in dealer_home.context["sub_dealers"]}
    assert sub_rows["Альфа-Суб"].fact_amount == D(1500)
    entries_page = logged_in(w["dealer"]).get(reverse("dealers:saleentry_list"))
    assert [line.organisation_id for line in entries_page.context["sub_dealer_lines"]] == [
        w["alpha_sub"].pk
    ]
    sub_home = logged_in(w["subdealer"]).get(reverse("dealers:home"))
    assert [row.name for row in sub_home.context["by_outlet"]] == ["Суб-Точка"]
    assert "sub_dealers" not in sub_home.context
    assert 'data-testid="record-sale"' in sub_home.content.decode()
    # Plans do not reach sub-dealers: no plan or completion column, no plan in the legend.
    assert dealer_home.context["sees_plans"]
    assert "План, ₽" in dealer_home.content.decode()
    assert not sub_home.context["sees_plans"]
    assert "План, ₽" not in sub_home.content.decode()
    assert "Выполнение" not in sub_home.content.decode()


# --- the report: prefill --------------------------------------------------------------------------


def test_the_report_is_prefilled_from_drafts_never_from_the_plan(cabinet_world, logged_in):
    w = cabinet_world
    quarter = w["quarter"]
    draft(w, w["synthetic_oil"], "4", "2000")  # a subgroup counts under its top-level group
    draft(w, w["second_oil"], "6", "3000.5")
    PlanFactory(
        outlet=w["alpha_outlet"],
        product_group=w["fluids"],
        period_start=quarter.start,
        quantity=D(7),
        amount=D(7777),
    )
    response = logged_in(w["dealer"]).get(report_url(quarter))
    assert response.status_code == 200
    form = response.context["form"]
    outlet, oils, fluids = w["alpha_outlet"].pk, w["oils"].pk, w["fluids"].pk
    assert form[f"q-{outlet}-{oils}"].value() == "10"
    assert form[f"a-{outlet}-{oils}"].value() == "5000,5"
    assert form[f"q-{outlet}-{fluids}"].value() is None  # planned, but nothing given: empty
    html = response.content.decode()
    assert 'value="5000,5"' in html
    assert "7\u00a0777\u00a0₽" in html or "7\u202f777\u00a0₽" in html  # the plan, as a hint
    cells = {cell.key: cell for cell in response.context["grid"].cells}
    assert cells[f"{outlet}-{oils}"].origin == selectors.DRAFTS
    assert cells[f"{outlet}-{fluids}"].plan_amount == D(7777)


def test_sub_dealers_recorded_sales_are_hints_not_prefill(cabinet_world, logged_in):
    w = cabinet_world
    services.entry_record(
        w["subdealer"],
        organisation=w["alpha_sub"],
        data=services.EntryData(
            date=selectors.today(), product=w["antifreeze"], quantity=D(2), amount=D(900)
        ),
    )
    response = logged_in(w["dealer"]).get(report_url(w["quarter"]))
    hints = response.context["grid"].sub_dealer_hints
    assert [(hint.group_name, hint.amount) for hint in hints] == [("Жидкости", D(900))]
    form = response.context["form"]
    assert form[f"a-{w['alpha_outlet'].pk}-{w['fluids'].pk}"].value() is None


# --- the report: submission -----------------------------------------------------------------------


def test_a_submitted_report_becomes_sell_out_lines_seen_at_once_in_plan_vs_fact(
    cabinet_world, logged_in
):
    w = cabinet_world
    quarter = w["quarter"]
    response = logged_in(w["dealer"]).post(
        report_url(quarter), full_grid(w, oils=("12", "6 000,50"), fluids=("1", "300"))
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dealers:home')}?quarter={quarter.slug}"
    outlet = w["alpha_outlet"].pk
    lines = SalesLine.objects.filter(source="dealer")
    prefix = f"cabinet-report:{w['alpha'].pk}:{quarter.slug}:{outlet}"
    assert {
        line.external_id: (
            line.channel,
            line.flow,
            line.seller_id,
            line.outlet_id,
            line.date,
            line.product_group_id,
            line.amount,
        )
        for line in lines
    } == {
        f"{prefix}:{w['fluids'].pk}": (
            "web",
            Flow.SELL_OUT,
            w["alpha"].pk,
            outlet,
            quarter.end,
            w["fluids"].pk,
            D("300.00"),
        ),
        f"{prefix}:{w['oils'].pk}": (
            "web",
            Flow.SELL_OUT,
            w["alpha"].pk,
            outlet,
            quarter.end,
            w["oils"].pk,
            D("6000.50"),
        ),
    }
    assert all(line.recorded_by_id == w["dealer"].pk for line in lines)
    facts = plan_vs_fact(
        w["manager"],
        period_start=quarter.start,
        period_end=quarter.end,
        flow=Flow.SELL_OUT,
        level=Level.DEALER,
    )
    assert {row.name: row.fact_amount for row in facts} == {"Альфа-Дилер": D("6300.50")}
    report = SalesReport.objects.get()
    assert (report.version, report.submitted_by_id) == (1, w["dealer"].pk)
    assert report.cells.count() == 2


def test_a_resubmitted_report_updates_its_lines_instead_of_doubling(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    client.post(report_url(w["quarter"]), full_grid(w, oils=("10", "5000"), fluids=("2", "800")))
    first = dealer_lines()
    response = client.post(
        report_url(w["quarter"]), full_grid(w, oils=("11", "5500"), fluids=("0", "0"), version=1)
    )
    assert response.status_code == 302
    second = dealer_lines()
    assert len(first) == 2
    oils_id = next(key for key in first if key.endswith(f":{w['oils'].pk}"))
    assert second == {oils_id: (D("11.000"), D("5500.00"))}  # the zeroed figure's line went
    assert SalesLine.objects.count() == 1
    assert SalesReport.objects.get().version == 2
    # The same report sent again changes nothing.
    client.post(report_url(w["quarter"]), full_grid(w, oils=("11", "5500"), version=2))
    assert dealer_lines() == second


def test_empty_cells_are_refused_with_a_message_in_russian(cabinet_world, logged_in):
    w = cabinet_world
    outlet = w["alpha_outlet"]
    data = grid_data(w, {(outlet, w["oils"]): ("10", "5000"), (outlet, w["fluids"]): ("", "")})
    response = logged_in(w["dealer"]).post(report_url(w["quarter"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert russian(forms.EMPTY_CELLS) in html
    assert "is-invalid" in html
    assert not SalesReport.objects.exists()
    assert not SalesLine.objects.exists()


def test_a_dealer_with_no_data_cannot_submit_an_empty_report(cabinet_world, logged_in):
    w = cabinet_world
    response = logged_in(w["dealer"]).post(report_url(w["quarter"]), {"version": "0"})
    assert response.status_code == 200
    assert russian(forms.EMPTY_CELLS) in response.content.decode()
    assert not SalesLine.objects.exists()


def test_negative_or_mismatched_figures_are_refused(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    for oils in (("-1", "-100"), ("0", "100"), ("abc", "1")):
        response = client.post(report_url(w["quarter"]), full_grid(w, oils=oils))
        assert response.status_code == 200, oils
        assert 'data-testid="form-errors"' in response.content.decode()
    assert not SalesLine.objects.exists()


def test_a_closed_quarter_refuses_edits(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    client.post(report_url(w["quarter"]), full_grid(w, oils=("10", "5000")))
    before = dealer_lines()
    close(w["quarter"])
    page = client.get(report_url(w["quarter"]))
    assert page.status_code == 200
    assert 'data-testid="period-closed"' in page.content.decode()
    assert 'name="q-' not in page.content.decode()  # figures shown, no inputs
    response = client.post(report_url(w["quarter"]), full_grid(w, oils=("99", "99000"), version=1))
    assert response.status_code == 200
    assert russian(services.PeriodClosed(w["quarter"]).message) in response.content.decode()
    assert dealer_lines() == before
    assert SalesReport.objects.get().version == 1
    with pytest.raises(services.PeriodClosed):
        services.report_submit(
            w["dealer"],
            organisation=w["alpha"],
            quarter=w["quarter"],
            figures={(w["alpha_outlet"].pk, w["oils"].pk): (D(1), D(1))},
            expected_version=1,
        )
    # Sales of a closed quarter are refused too.
    response = client.post(
        reverse("dealers:saleentry_create"),
        {
            "key": "k" * 32,
            "date": selectors.today().strftime("%d.%m.%Y"),
            "outlet": w["alpha_outlet"].pk,
            "product": w["oil"].pk,
            "quantity": "1",
            "amount": "10",
        },
    )
    assert response.status_code == 200
    assert not SaleEntry.objects.exists()


def test_an_old_quarter_is_no_longer_reported(cabinet_world, logged_in):
    w = cabinet_world
    old = w["quarter"].back(2)
    assert logged_in(w["dealer"]).get(report_url(old)).status_code == 404
    assert logged_in(w["dealer"]).get(report_url(w["quarter"].next())).status_code == 404
    with pytest.raises(services.PeriodClosed):
        services.report_submit(
            w["dealer"],
            organisation=w["alpha"],
            quarter=old,
            figures={(w["alpha_outlet"].pk, w["oils"].pk): (D(1), D(1))},
            expected_version=0,
        )


def test_a_stale_form_is_refused_and_loses_nothing(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    opened = client.get(report_url(w["quarter"])).context["form"]["version"].value()
    assert opened == 0
    # A colleague sends the report meanwhile.
    services.report_submit(
        w["dealer"],
        organisation=w["alpha"],
        quarter=w["quarter"],
        figures={
            (w["alpha_outlet"].pk, w["oils"].pk): (D(7), D(700)),
            (w["alpha_outlet"].pk, w["fluids"].pk): (D(0), D(0)),
        },
        expected_version=0,
    )
    mine = full_grid(w, oils=("10", "5 000"), fluids=("3", "1 200"), version=opened)
    response = client.post(report_url(w["quarter"]), mine)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-testid="stale-warning"' in html
    assert 'value="5 000"' in html
    assert 'value="1 200"' in html
    assert dealer_lines() == {
        services.report_external_id(
            w["alpha"].pk, w["quarter"], w["alpha_outlet"].pk, w["oils"].pk
        ): (D("7.000"), D("700.00"))
    }
    assert response.context["form"]["version"].value() == 1
    # Sent again from the refreshed form, it goes through.
    response = client.post(report_url(w["quarter"]), {**mine, "version": "1"})
    assert response.status_code == 302
    assert sum(amount for _q, amount in dealer_lines().values()) == D(6200)


def test_figures_far_from_the_dealers_history_need_a_confirmation(cabinet_world, logged_in):
    w = cabinet_world
    previous = w["quarter"].previous()
    services.report_submit(
        w["dealer"],
        organisation=w["alpha"],
        quarter=previous,
        figures={
            (w["alpha_outlet"].pk, w["oils"].pk): (D(10), D(5000)),
            (w["alpha_outlet"].pk, w["fluids"].pk): (D(1), D(100)),
        },
        expected_version=0,
    )
    client = logged_in(w["dealer"])
    data = full_grid(w, oils=("10", "500 000"), fluids=("1", "100"))
    response = client.post(report_url(w["quarter"]), data)
    assert response.status_code == 200
    warnings = response.context["value_warnings"]
    assert [warning.field for warning in warnings] == [f"a-{w['alpha_outlet'].pk}-{w['oils'].pk}"]
    assert not SalesReport.objects.filter(quarter_start=w["quarter"].start).exists()
    # A forged or stale confirmation does not count.
    response = client.post(report_url(w["quarter"]), {**data, sanity.CONFIRM_FIELD: "0" * 32})
    assert response.status_code == 200
    response = client.post(
        report_url(w["quarter"]), {**data, sanity.CONFIRM_FIELD: sanity.digest(warnings)}
    )
    assert response.status_code == 302
    report = SalesReport.objects.get(quarter_start=w["quarter"].start)
    event = report.events.select_related("pgh_context").order_by("pgh_id").last()
    assert event.pgh_context.metadata["confirmed_warnings"] == [warnings[0].message]


# --- another dealer's outlets ---------------------------------------------------------------------


def test_a_dealer_cannot_see_another_dealers_outlet(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    assert (
        client.get(reverse("dealers:outlet_detail", args=[w["zulu_outlet"].pk])).status_code == 404
    )
    listed = client.get(reverse("dealers:outlet_list"))
    names = {outlet.name for outlet in listed.context["outlets"]}
    assert names == {"Альфа-Точка", "Суб-Точка"}  # its own and its sub-dealer's


def test_a_dealer_cannot_post_figures_for_another_dealers_outlet(cabinet_world, logged_in):
    w = cabinet_world
    data = full_grid(w)
    data.update(
        {
            f"q-{w['zulu_outlet'].pk}-{w['oils'].pk}": "5",
            f"a-{w['zulu_outlet'].pk}-{w['oils'].pk}": "500",
        }
    )
    response = logged_in(w["dealer"]).post(report_url(w["quarter"]), data)
    assert response.status_code == 404
    # The service refuses them too, even its sub-dealer's (the sub-dealer reports those).
    for outlet in (w["zulu_outlet"], w["sub_outlet"]):
        with pytest.raises(services.RecordError):
            services.report_submit(
                w["dealer"],
                organisation=w["alpha"],
                quarter=w["quarter"],
                figures={(outlet.pk, w["oils"].pk): (D(1), D(100))},
                expected_version=0,
            )
    assert not SalesReport.objects.exists()
    assert not SalesLine.objects.exists()


def test_a_dealer_cannot_record_a_sale_at_another_dealers_outlet(cabinet_world, logged_in):
    w = cabinet_world
    response = logged_in(w["dealer"]).post(
        reverse("dealers:saleentry_create"),
        {
            "key": "a" * 32,
            "date": selectors.today().strftime("%d.%m.%Y"),
            "outlet": w["zulu_outlet"].pk,
            "product": w["oil"].pk,
            "quantity": "1",
            "amount": "10",
        },
    )
    assert response.status_code == 404
    assert not SaleEntry.objects.exists()
    with pytest.raises(services.RecordError):
        services.entry_record(
            w["dealer"],
            organisation=w["alpha"],
            data=services.EntryData(
                date=selectors.today(),
                product=w["oil"],
                quantity=D(1),
                amount=D(1),
                outlet=w["zulu_outlet"],
            ),
        )


def test_a_dealer_cannot_delete_another_dealers_entry(cabinet_world, logged_in):
    w = cabinet_world
    theirs = services.entry_record(
        w["zulu_dealer"],
        organisation=w["zulu"],
        data=services.EntryData(
            date=selectors.today(),
            product=w["oil"],
            quantity=D(1),
            amount=D(1),
            outlet=w["zulu_outlet"],
        ),
    )
    response = logged_in(w["dealer"]).post(reverse("dealers:saleentry_delete", args=[theirs.pk]))
    assert response.status_code == 404
    assert SaleEntry.objects.filter(pk=theirs.pk).exists()


# --- the sub-dealer -------------------------------------------------------------------------------


def test_a_sub_dealer_sees_only_its_own(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["subdealer"])
    listed = client.get(reverse("dealers:outlet_list"))
    assert [outlet.name for outlet in listed.context["outlets"]] == ["Суб-Точка"]
    assert (
        client.get(reverse("dealers:outlet_detail", args=[w["alpha_outlet"].pk])).status_code == 404
    )
    assert (
        client.get(reverse("dealers:outlet_detail", args=[w["sub_outlet"].pk])).status_code == 200
    )
    assert (
        client.get(report_url(w["quarter"])).status_code == 404
    )  # dealers report, not sub-dealers
    draft(w, w["oil"], "1", "100")  # the parent dealer's draft: not the sub-dealer's business
    page = client.get(reverse("dealers:saleentry_list"))
    assert list(page.context["entries"]) == []
    assert "sub_dealer_lines" not in page.context


def test_a_sub_dealers_sale_lands_in_the_ledger_at_once(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["subdealer"])
    page = client.get(reverse("dealers:saleentry_list"))
    key = page.context["form"]["key"].value()
    data = {
        "key": key,
        "date": selectors.today().strftime("%d.%m.%Y"),
        "outlet": w["sub_outlet"].pk,
        "product": w["synthetic_oil"].pk,
        "quantity": "2",
        "amount": "1 500,50",
    }
    assert client.post(reverse("dealers:saleentry_create"), data).status_code == 302
    assert client.post(reverse("dealers:saleentry_create"), data).status_code == 302  # twice
    line = SalesLine.objects.get()
    assert (line.source, line.channel, line.flow) == ("sub_dealer", "web", Flow.SELL_OUT)
    assert (line.seller_id, line.outlet_id, line.product_group_id) == (
        w["alpha_sub"].pk,
        w["sub_outlet"].pk,
        w["synthetic"].pk,
    )
    assert (line.quantity, line.amount, line.dealer_id) == (D(2), D("1500.50"), w["alpha"].pk)
    entry = SaleEntry.objects.get()
    assert entry.recorded
    assert entry.created_by == w["subdealer"]
    # Deleting it removes the line.
    assert client.post(reverse("dealers:saleentry_delete", args=[entry.pk])).status_code == 302
    assert not SalesLine.objects.exists()


def test_a_dealers_own_entries_are_drafts_outside_the_ledger(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["dealer"])
    response = client.post(
        reverse("dealers:saleentry_create"),
        {
            "key": "b" * 32,
            "date": selectors.today().strftime("%d.%m.%Y"),
            "outlet": w["alpha_outlet"].pk,
            "product": w["oil"].pk,
            "quantity": "3",
            "amount": "450",
        },
    )
    assert response.status_code == 302
    entry = SaleEntry.objects.get()
    assert not entry.recorded
    assert not SalesLine.objects.exists()
    form = client.get(report_url(w["quarter"])).context["form"]
    assert form[f"a-{w['alpha_outlet'].pk}-{w['oils'].pk}"].value() == "450"


def test_a_sale_in_the_future_or_outside_the_open_quarters_is_refused(cabinet_world, logged_in):
    w = cabinet_world
    client = logged_in(w["subdealer"])
    for day in (date(2100, 1, 1), w["quarter"].back(2).start):
        response = client.post(
            reverse("dealers:saleentry_create"),
            {
                "key": "c" * 32,
                "date": day.strftime("%d.%m.%Y"),
                "outlet": w["sub_outlet"].pk,
                "product": w["oil"].pk,
                "quantity": "1",
                "amount": "10",
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["date"]
    assert not SaleEntry.objects.exists()


# --- quarters -------------------------------------------------------------------------------------


def test_quarters_read_as_people_say_them():
    quarter = Quarter.of(date(2026, 11, 22))
    assert (quarter.start, quarter.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter.previous() == Quarter(2026, 3)
    assert quarter.next() == Quarter(2027, 1)
    with translation.override("ru"):
        assert Quarter(2026, 4).label in ("IV квартал 2026", "IV quarter 2026")
    assert Quarter.from_slug("2026-4") == quarter


def test_the_due_report_is_the_oldest_open_one_not_sent(cabinet_world):
    w = cabinet_world
    current = w["quarter"]
    due = selectors.reports_due(w["dealer"], w["alpha"])
    assert [item.quarter for item in due] == [current.previous(), current]
    assert selectors.next_report(due).quarter == current.previous()
    close(current.previous())
    due = selectors.reports_due(w["dealer"], w["alpha"])
    assert [item.quarter for item in due] == [current]
    assert selectors.next_report(due).quarter == current
