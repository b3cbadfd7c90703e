"""Dealers propose changes to their outlets and new outlets: each becomes a change request with
source dealer (crm.approvals), nothing is written before approval, and the dealer follows its
state in the cabinet. Another dealer's outlet does not exist for them."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from crm.accounts import roles
from crm.approvals.models import ChangeRequest, RequestState, Verdict
from crm.approvals.services import change_request_decide
from crm.core.choices import Source
from crm.outlets.models import Outlet, OutletStatus
from dealers.models import OutletProposal, ProposalKind
from dealers.policies import PROPOSABLE_OUTLET_FIELDS, ensure_outlet_proposal_rule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(cabinet_world):
    """The cabinet's cast, the proposal rule (the migration's, made again after a flush) and
    an administrator, the approver of last resort."""
    ensure_outlet_proposal_rule()
    cabinet_world["approver"] = UserFactory(username="approver_admin", role=roles.ADMINISTRATOR)
    return cabinet_world


def outlet_data(outlet, **changes) -> dict:
    """The proposal form as the page shows it for ``outlet``, with ``changes`` typed in."""
    data = {name: getattr(outlet, name) or "" for name in PROPOSABLE_OUTLET_FIELDS}
    data["format"] = outlet.format_id or ""
    return {**data, "comment": "", **changes}


def written() -> tuple:
    return (
        ChangeRequest.objects.count(),
        OutletProposal.objects.count(),
        sorted(Outlet.objects.values_list("pk", "name", "address", "is_archived")),
    )


def decide(request: ChangeRequest, verdict: str, comment: str = ""):
    approver = get_user_model().objects.get(pk=request.approver_ids[0])
    return change_request_decide(approver, request=request, verdict=verdict, comment=comment)


def test_a_dealer_proposes_a_change_that_waits_for_approval(w, logged_in):
    outlet = w["alpha_outlet"]
    client = logged_in(w["dealer"])
    url = reverse("dealers:outlet_propose", args=[outlet.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, outlet_data(outlet, address="Москва, ул. Новая, 1"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dealers:outletproposal_list")
    outlet.refresh_from_db()
    assert outlet.address != "Москва, ул. Новая, 1"  # nothing written before approval
    proposal = OutletProposal.objects.get()
    assert (proposal.kind, proposal.organisation, proposal.created_by) == (
        ProposalKind.CHANGE,
        w["alpha"],
        w["dealer"],
    )
    request = proposal.request
    assert (request.source, request.author, request.state) == (
        Source.DEALER,
        w["dealer"],
        RequestState.PENDING,
    )
    assert {item.field: item.new_value for item in request.items.all()} == {
        "address": "Москва, ул. Новая, 1"
    }
    assert request.approver_ids
    page = client.get(reverse("dealers:outletproposal_list"))
    assert [row["proposal"] for row in page.context["proposals"]] == [proposal]
    assert 'data-state="pending"' in page.content.decode()


def test_an_approved_change_reaches_the_outlet_and_the_dealer_sees_it(w, logged_in):
    outlet = w["alpha_outlet"]
    client = logged_in(w["dealer"])
    client.post(
        reverse("dealers:outlet_propose", args=[outlet.pk]),
        outlet_data(outlet, phone="+74951234567", opening_hours="9–21"),
    )
    decide(OutletProposal.objects.get().request, Verdict.APPROVE)
    outlet.refresh_from_db()
    assert (outlet.phone, outlet.opening_hours) == ("+74951234567", "9–21")
    page = client.get(reverse("dealers:outlet_detail", args=[outlet.pk]))
    assert 'data-state="applied"' in page.content.decode()


def test_a_proposal_that_changes_nothing_says_so(w, logged_in):
    outlet = w["alpha_outlet"]
    before = written()
    response = logged_in(w["dealer"]).post(
        reverse("dealers:outlet_propose", args=[outlet.pk]), outlet_data(outlet)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert written() == before


def test_a_dealer_proposes_a_new_outlet_that_opens_when_approved(w, logged_in):
    client = logged_in(w["dealer"])
    assert client.get(reverse("dealers:outlet_propose_new")).status_code == 200
    response = client.post(
        reverse("dealers:outlet_propose_new"),
        {
            "name": "Альфа-Точка 2",
            "address": "Москва, Тверская, 5",
            "status": OutletStatus.ACTIVE,
            "phone": "",
            "opening_hours": "",
            "format": "",
            "comment": "Открылись в ноябре",
        },
    )
    assert response.status_code == 302
    proposal = OutletProposal.objects.get()
    outlet = proposal.outlet
    assert (proposal.kind, outlet.dealer, outlet.name) == (
        ProposalKind.NEW,
        w["alpha"],
        "Альфа-Точка 2",
    )
    assert (outlet.is_archived, outlet.status, outlet.address) == (True, OutletStatus.PLANNED, "")
    assert {item.field: item.new_value for item in proposal.request.items.all()} == {
        "address": "Москва, Тверская, 5",
        "status": OutletStatus.ACTIVE,
        "is_archived": False,
    }
    decide(proposal.request, Verdict.APPROVE)
    outlet.refresh_from_db()
    assert (outlet.is_archived, outlet.status, outlet.address) == (
        False,
        OutletStatus.ACTIVE,
        "Москва, Тверская, 5",
    )


def test_a_rejected_new_outlet_stays_archived(w, logged_in):
    client = logged_in(w["dealer"])
    client.post(
        reverse("dealers:outlet_propose_new"),
        {"name": "Лишняя точка", "status": OutletStatus.ACTIVE, "comment": ""},
    )
    proposal = OutletProposal.objects.get()
    decide(proposal.request, Verdict.REJECT, comment="Такой точки нет")
    proposal.outlet.refresh_from_db()
    assert proposal.outlet.is_archived is True
    page = client.get(reverse("dealers:outletproposal_list"))
    assert 'data-state="rejected"' in page.content.decode()


def test_a_new_outlet_needs_a_name(w, logged_in):
    before = written()
    response = logged_in(w["dealer"]).post(
        reverse("dealers:outlet_propose_new"), {"name": "", "status": OutletStatus.ACTIVE}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert written() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_dealer_cannot_propose_for_another_dealers_outlet(w, logged_in, method):
    outlet = w["zulu_outlet"]
    before = written()
    client = logged_in(w["dealer"])
    url = reverse("dealers:outlet_propose", args=[outlet.pk])
    response = getattr(client, method)(url, outlet_data(outlet, address="чужой адрес"))
    assert response.status_code == 404
    assert written() == before


def test_a_sub_dealer_cannot_propose_for_its_dealers_outlet_nor_see_its_proposals(w, logged_in):
    logged_in(w["dealer"]).post(
        reverse("dealers:outlet_propose", args=[w["alpha_outlet"].pk]),
        outlet_data(w["alpha_outlet"], address="Москва, ул. Новая, 1"),
    )
    client = logged_in(w["subdealer"])
    before = written()
    response = client.post(
        reverse("dealers:outlet_propose", args=[w["alpha_outlet"].pk]),
        outlet_data(w["alpha_outlet"], address="другой адрес"),
    )
    assert response.status_code == 404
    assert written() == before
    assert client.get(reverse("dealers:outletproposal_list")).context["proposals"] == []


def test_a_sub_dealers_proposal_has_source_sub_dealer_and_its_dealer_sees_it(w, logged_in):
    outlet = w["sub_outlet"]
    logged_in(w["subdealer"]).post(
        reverse("dealers:outlet_propose", args=[outlet.pk]),
        outlet_data(outlet, address="Подольск, ул. Садовая, 2"),
    )
    proposal = OutletProposal.objects.get()
    assert proposal.request.source == Source.SUB_DEALER
    page = logged_in(w["dealer"]).get(reverse("dealers:outletproposal_list"))
    assert [row["proposal"] for row in page.context["proposals"]] == [proposal]
    zulu = logged_in(w["zulu_dealer"]).get(reverse("dealers:outletproposal_list"))
    assert zulu.context["proposals"] == []
