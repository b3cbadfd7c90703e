"""The ledger in Django admin: lines and monthly sums read-only, plans editable."""

from datetime import date

import pytest
from django.urls import reverse

from crm.sales import services
from crm.sales.models import Plan
from tests.sales.conftest import line

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "sales_salesline",
    "sales_salesmonth",
    "sales_salesmonthoutlet",
    "sales_salesmonthregion",
    "sales_plan",
]


@pytest.fixture
def admin_client_with_lines(sales_world, admin_user, logged_in):
    w = sales_world
    services.record_lines(
        [
            line(f"adm-{n}", seller_id=w["alpha"].pk, outlet_id=w["alpha_outlet"].pk,
                 product_id=w["oil"].pk, document_number=f"РН-{n}")
            for n in range(30)
        ],
        source="dealer",
        channel="import",
    )  # fmt: skip
    return logged_in(admin_user)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelists_render_with_bounded_queries(
    admin_client_with_lines, name, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = admin_client_with_lines.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


def test_a_line_is_found_by_its_document_number_and_cannot_be_edited(admin_client_with_lines):
    client = admin_client_with_lines
    found = client.get(reverse("admin:sales_salesline_changelist"), {"q": "РН-7"})
    assert found.context["cl"].result_count == 1
    assert client.get(reverse("admin:sales_salesline_add")).status_code == 403
    pk = found.context["cl"].result_list[0].pk
    page = client.get(reverse("admin:sales_salesline_change", args=[pk]))
    assert page.status_code == 200
    assert b'name="amount"' not in page.content  # shown, not editable
    assert client.post(reverse("admin:sales_salesline_delete", args=[pk])).status_code == 403


def test_an_administrator_adds_an_outlets_plan(sales_world, admin_user, logged_in):
    w = sales_world
    client = logged_in(admin_user)
    response = client.post(
        reverse("admin:sales_plan_add"),
        {
            "period_kind": "quarter",
            "period_start": "2026-04-01",
            "flow": "sell_out",
            "outlet": w["sub_outlet"].pk,
            "product_group": w["oils"].pk,
            "quantity": "10",
            "amount": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = Plan.objects.get()
    assert (plan.organisation_id, plan.period_end) == (w["alpha_sub"].pk, date(2026, 6, 30))
    assert plan.events.get().pgh_context.metadata["user"] == admin_user.pk


def test_an_administrator_is_told_about_two_targets(sales_world, admin_user, logged_in):
    w = sales_world
    response = logged_in(admin_user).post(
        reverse("admin:sales_plan_add"),
        {
            "period_kind": "month",
            "period_start": "2026-04-01",
            "flow": "sell_out",
            "organisation": w["alpha"].pk,
            "target_region": w["regions"]["77"].pk,
            "product_group": w["oils"].pk,
            "quantity": "10",
            "amount": "1000",
        },
    )
    assert response.status_code == 200
    assert "ровно одну цель" in str(response.context["adminform"].form.errors)
    assert not Plan.objects.exists()
