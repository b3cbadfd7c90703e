"""Every /cabinet/ view for the dealer, sub-dealer and staff roles.

The routes come from the same resolver walk as test_url_walker.py (which also proves that
anonymous visitors are sent to the login page and that each view is a scoped view). Here each
cabinet route is called as a dealer's user, a sub-dealer's user and as staff of every kind:
the cabinet answers only its own users, with their own rows; another dealer's row is a 404 and
nothing is written; for staff the cabinet does not exist (404). A cabinet route without a row
in EXPECTED fails test_every_cabinet_route_is_in_the_matrix. Here both cabinet users
administer their organisation's users; a cabinet user who does not gets a 403 on those pages.

One route is public on purpose: the invitation link's page (PUBLIC_ROUTES), which the invitee
opens before they have an account; its single-use token is its only key.
"""

from decimal import Decimal

import pytest
from django.urls import resolve

from crm.approvals.models import ChangeRequest
from crm.core.imports.models import ImportJob
from crm.core.periods import Quarter
from crm.outlets.models import Outlet
from crm.sales.models import SalesLine
from crm.stock.models import DealerWarehouse, StockBalance
from dealers import invitations, selectors, services
from dealers.models import (
    DealerInvitation,
    DealerMembership,
    OutletProposal,
    ReportUpload,
    SaleEntry,
    SalesReport,
)
from dealers.views import CabinetView
from tests.factories import UserFactory
from tests.sales.conftest import sales_world  # noqa: F401  (the fixture)
from tests.security.test_url_walker import ROUTES, concrete

pytestmark = pytest.mark.django_db

# The invitation link: public (the invitee has no account yet), not a CabinetView.
PUBLIC_ROUTES = {"cabinet/invitation/<str:token>/"}
CABINET_ROUTES = [
    route for route in ROUTES if route.startswith("cabinet/") and route not in PUBLIC_ROUTES
]
CABINET_USERS = ("dealer", "subdealer")
STAFF = ("manager", "regional", "head", "analyst", "auditor", "nobody", "root")

# route → method → cabinet user → status when the user calls it on their own rows.
EXPECTED = {
    "cabinet/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/reports/<int:year>/<int:number>/": {
        "get": {"dealer": 200, "subdealer": 404},  # sub-dealers file no quarterly report
        "post": {"dealer": 200, "subdealer": 404},  # an empty report: the form again
    },
    "cabinet/sales/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/sales/new/": {
        "get": {"dealer": 405, "subdealer": 405},
        "post": {"dealer": 200, "subdealer": 200},  # nothing filled in: the form again
    },
    "cabinet/sales/<int:pk>/delete/": {
        "get": {"dealer": 405, "subdealer": 405},
        "post": {"dealer": 302, "subdealer": 302},
    },
    "cabinet/outlets/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/outlets/<int:pk>/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/outlets/<int:pk>/propose/": {
        "get": {"dealer": 200, "subdealer": 200},
        "post": {"dealer": 200, "subdealer": 200},  # nothing filled in: the form again
    },
    "cabinet/outlets/new/": {
        "get": {"dealer": 200, "subdealer": 200},
        "post": {"dealer": 200, "subdealer": 200},  # no name: the form again
    },
    "cabinet/proposals/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/users/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/users/invite/": {
        "get": {"dealer": 405, "subdealer": 405},
        "post": {"dealer": 200, "subdealer": 200},  # nothing filled in: the form again
    },
    "cabinet/users/<int:pk>/active/": {
        "get": {"dealer": 405, "subdealer": 405},
        "post": {"dealer": 302, "subdealer": 302},  # their own membership: refused, back
    },
    "cabinet/users/invitations/<int:pk>/withdraw/": {
        "get": {"dealer": 405, "subdealer": 405},
        "post": {"dealer": 302, "subdealer": 302},
    },
    "cabinet/reports/<int:year>/<int:number>/template/": {
        "get": {"dealer": 200, "subdealer": 404},
        "post": {"dealer": 405, "subdealer": 404},
    },
    "cabinet/reports/<int:year>/<int:number>/upload/": {
        "get": {"dealer": 200, "subdealer": 404},
        "post": {"dealer": 200, "subdealer": 404},  # no file: the form again
    },
    "cabinet/stock/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/stock/warehouses/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/stock/warehouses/new/": {
        "get": {"dealer": 405, "subdealer": 405},
        "post": {"dealer": 200, "subdealer": 200},  # no name: the form again
    },
    "cabinet/stock/warehouses/<int:pk>/edit/": {
        "get": {"dealer": 200, "subdealer": 200},
        "post": {"dealer": 200, "subdealer": 200},
    },
    "cabinet/stock/warehouses/<int:pk>/balances/": {
        "get": {"dealer": 200, "subdealer": 200},
        "post": {"dealer": 200, "subdealer": 200},
    },
    "cabinet/stock/upload/": {
        "get": {"dealer": 200, "subdealer": 200},
        "post": {"dealer": 400, "subdealer": 400},  # no file
    },
    "cabinet/stock/upload/<int:pk>/": {"get": {"dealer": 200, "subdealer": 200}},
    "cabinet/stock/upload/<int:pk>/confirm/": {
        "get": {"dealer": 405, "subdealer": 405},
        "post": {"dealer": 302, "subdealer": 302},
    },
}
# Routes naming a row: which row is the user's own and which is another dealer's.
OBJECT_ROUTES = {
    "cabinet/sales/<int:pk>/delete/": "entry",
    "cabinet/outlets/<int:pk>/": "outlet",
    "cabinet/outlets/<int:pk>/propose/": "outlet",
    "cabinet/users/<int:pk>/active/": "membership",
    "cabinet/users/invitations/<int:pk>/withdraw/": "invitation",
    "cabinet/stock/warehouses/<int:pk>/edit/": "warehouse",
    "cabinet/stock/warehouses/<int:pk>/balances/": "warehouse",
    "cabinet/stock/upload/<int:pk>/": "upload",
    "cabinet/stock/upload/<int:pk>/confirm/": "upload",
}
# Pages of the organisation's user administrator: 403 for the other cabinet users.
ADMIN_ROUTES = [route for route in EXPECTED if route.startswith("cabinet/users/")]


@pytest.fixture
def cabinet(sales_world, admin_user):  # noqa: F811
    """Alpha's dealer user, its sub-dealer's user, zulu's dealer user; an entry of each."""
    w = sales_world
    w["root"] = admin_user
    w["subdealer"] = UserFactory(username="subdealer", role="sub_dealer")
    w["zulu_dealer"] = UserFactory(username="zulu_dealer", role="dealer")
    for key, user, organisation in (
        ("dealer", w["dealer"], w["alpha"]),
        ("subdealer", w["subdealer"], w["alpha_sub"]),
        ("zulu_dealer", w["zulu_dealer"], w["zulu"]),
    ):
        w[f"{key}_membership"] = DealerMembership.objects.create(
            user=user, organisation=organisation, is_admin=True
        )
        w[f"{key}_invitation"] = invitations.invitation_create(
            user, organisation=organisation, email=f"invited.{key}@example.com"
        )
        w[f"{key}_warehouse"] = DealerWarehouse.objects.create(
            organisation=organisation, name="Склад"
        )
        w[f"{key}_upload"] = ImportJob.objects.create(
            user=user, model="stock.stockbalance", file_name="stock.xlsx", file_kind="xlsx"
        )
    for key, user, organisation, outlet in (
        ("dealer", w["dealer"], w["alpha"], w["alpha_outlet"]),
        ("subdealer", w["subdealer"], w["alpha_sub"], w["sub_outlet"]),
        ("zulu_dealer", w["zulu_dealer"], w["zulu"], w["zulu_outlet"]),
    ):
        w[f"{key}_entry"] = services.entry_record(
            user,
            organisation=organisation,
            data=services.EntryData(
                date=selectors.today(),
                product=w["oil"],
                quantity=Decimal(1),
                amount=Decimal(100),
                outlet=outlet,
            ),
        )
    w["own_outlet"] = {"dealer": w["alpha_outlet"], "subdealer": w["sub_outlet"]}
    # A sub-dealer's user may not see its dealer's rows either.
    w["foreign_outlet"] = {"dealer": w["zulu_outlet"], "subdealer": w["alpha_outlet"]}
    w["foreign_entry"] = {"dealer": w["zulu_dealer_entry"], "subdealer": w["dealer_entry"]}
    return w


def _pk(w, kind: str, owner: str, whose: str) -> int:
    """The pk of the ``owner``'s own row of ``kind``, or of another dealer's: for a dealer,
    zulu's; for a sub-dealer, its own dealer's (it may not reach those either)."""
    if kind == "outlet":
        return (w["own_outlet"] if whose == "own" else w["foreign_outlet"])[owner].pk
    if kind == "entry":
        return w[f"{owner}_entry"].pk if whose == "own" else w["foreign_entry"][owner].pk
    other = {"dealer": "zulu_dealer", "subdealer": "dealer"}[owner]
    return w[f"{owner if whose == 'own' else other}_{kind}"].pk


def url_of(route: str, w, who: str, whose: str = "own") -> str:
    """The route filled for ``who``: the current quarter, and its own row or another's."""
    kind = OBJECT_ROUTES.get(route)
    owner = who if who in CABINET_USERS else "dealer"
    pk = _pk(w, kind, owner, whose) if kind else None
    quarter = Quarter.of(selectors.today())
    url = "/" + route.replace("<int:year>", str(quarter.year))
    url = url.replace("<int:number>", str(quarter.number))
    return url.replace("<int:pk>", str(pk))


def written() -> tuple:
    """What the cabinet can write: reports, entries, the ledger's lines, uploads, users and
    their invitations, outlets and proposals about them."""
    from django.contrib.auth import get_user_model

    return (
        SalesReport.objects.count(),
        sorted(SaleEntry.objects.values_list("pk", flat=True)),
        sorted(SalesLine.objects.values_list("external_id", "amount")),
        ReportUpload.objects.count(),
        sorted(get_user_model().objects.values_list("pk", "is_active")),
        sorted(DealerInvitation.objects.values_list("pk", "revoked_at", "accepted_at")),
        sorted(Outlet.objects.values_list("pk", "name", "address", "is_archived")),
        OutletProposal.objects.count(),
        ChangeRequest.objects.count(),
        sorted(StockBalance.objects.values_list("pk", "quantity", "version")),
        sorted(DealerWarehouse.objects.values_list("pk", "name", "version")),
        sorted(ImportJob.objects.values_list("pk", "status")),
    )


def test_every_cabinet_route_is_in_the_matrix():
    assert CABINET_ROUTES, "the cabinet's routes are not in the URL map"
    assert set(CABINET_ROUTES) == set(EXPECTED)


@pytest.mark.parametrize("route", CABINET_ROUTES)
def test_every_cabinet_view_is_a_cabinet_view(route):
    view_class = resolve(concrete(route)).func.view_class
    assert issubclass(view_class, CabinetView), route


CASES = [
    pytest.param(route, method, who, id=f"{route}-{method}-{who}")
    for route, methods in EXPECTED.items()
    for method, expected in methods.items()
    for who in expected
]


@pytest.mark.parametrize(("route", "method", "who"), CASES)
def test_cabinet_users_reach_their_own_rows(cabinet, logged_in, route, method, who):
    client = logged_in(cabinet[who])
    response = getattr(client, method)(url_of(route, cabinet, who))
    assert response.status_code == EXPECTED[route][method][who], response.status_code


@pytest.mark.parametrize("route", list(OBJECT_ROUTES))
@pytest.mark.parametrize("who", CABINET_USERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_dealers_rows_do_not_exist(cabinet, logged_in, route, who, method):
    before = written()
    client = logged_in(cabinet[who])
    response = getattr(client, method)(url_of(route, cabinet, who, "foreign"))
    assert response.status_code in (404, 405)
    if response.status_code == 405:  # the route answers another method: try that one too
        other = "post" if method == "get" else "get"
        response = getattr(client, other)(url_of(route, cabinet, who, "foreign"))
        assert response.status_code == 404
    assert written() == before


@pytest.mark.parametrize("route", CABINET_ROUTES)
@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_cabinet_does_not_exist_for_staff(cabinet, logged_in, route, who, method):
    before = written()
    response = getattr(logged_in(cabinet[who]), method)(url_of(route, cabinet, who))
    assert response.status_code == 404, (who, response.status_code)
    assert written() == before


@pytest.mark.parametrize("route", CABINET_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_dealer_user_without_a_membership_gets_nothing(cabinet, logged_in, route, method):
    DealerMembership.objects.filter(user=cabinet["dealer"]).delete()
    before = written()
    response = getattr(logged_in(cabinet["dealer"]), method)(url_of(route, cabinet, "dealer"))
    if route == "cabinet/" and method == "get":
        assert response.status_code == 200  # "ask your manager to link your account"
        assert response.context["cabinet"] is None
    else:
        assert response.status_code in (404, 405), response.status_code
    assert written() == before


@pytest.mark.parametrize("route", ADMIN_ROUTES)
@pytest.mark.parametrize("who", CABINET_USERS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_cabinet_users_who_do_not_administer_users_get_403(cabinet, logged_in, route, who, method):
    DealerMembership.objects.filter(user=cabinet[who]).update(is_admin=False)
    before = written()
    response = getattr(logged_in(cabinet[who]), method)(url_of(route, cabinet, who))
    assert response.status_code == 403, response.status_code
    assert written() == before


@pytest.mark.parametrize("who", [*CABINET_USERS, *STAFF, "anonymous"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_the_invitation_link_page_gives_nothing_without_a_valid_token(
    cabinet, client, logged_in, who, method
):
    """The public page: an unknown token is a 404 for everyone, and nothing is written."""
    if who != "anonymous":
        client = logged_in(cabinet[who])
    before = written()
    response = getattr(client, method)("/cabinet/invitation/not-a-token/")
    assert response.status_code == 404
    assert written() == before
