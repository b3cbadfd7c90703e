"""The approval pages: a staff edit of a governed field becomes a request shown on the card;
the approver's queue, the request page's decision, bulk approval; who may see a request."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.approvals.models import (
    ApprovalRule,
    ApprovalStep,
    ChangeRequest,
    Relative,
    RequestState,
)
from crm.clients.models import Organisation, OrganisationKind
from crm.outlets.models import Outlet
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

NEW_ADDRESS = "г. Москва, ул. Согласованная, д. 3"


@pytest.fixture
def world():
    world = build_world()
    # the outlets' organisations act as dealers (the outlet form offers dealers only)
    Organisation.objects.filter(pk__in=[o.dealer_id for o in world["outlets"].values()]).update(
        kind=OrganisationKind.DEALER
    )
    rule = ApprovalRule.objects.create(
        name="Адрес точки",
        content_type=ContentType.objects.get_for_model(Outlet),
        fields=["address"],
    )
    ApprovalStep.objects.create(rule=rule, relative=Relative.LINE_MANAGER)
    return world


def edit_outlet(client, outlet, **changes):
    page = client.get(reverse("outlets:outlet_edit", args=[outlet.pk]))
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = getattr(value, "pk", value)
    data.update(changes)
    return client.post(reverse("outlets:outlet_edit", args=[outlet.pk]), data)


def test_an_edit_sends_the_governed_field_for_approval_and_the_card_says_so(
    world, logged_in, client
):
    outlet = world["outlets"]["mine"]
    manager, regional = world["manager"], world["regional"]
    response = edit_outlet(logged_in(manager), outlet, address=NEW_ADDRESS, opening_hours="9-21")
    assert response.status_code == 302, response.context["form"].errors
    outlet.refresh_from_db()
    assert outlet.opening_hours == "9-21"  # not governed: saved
    assert outlet.address != NEW_ADDRESS  # governed: requested
    request = ChangeRequest.objects.get()
    card = client.get(outlet.get_absolute_url()).content.decode()
    assert "Отправлено на согласование: адрес." in card  # the message after saving
    assert 'data-testid="pending-approval"' in card
    assert NEW_ADDRESS in card

    client.logout()
    approver = logged_in(regional)
    queue = approver.get(reverse("approvals:request_list")).content.decode()
    assert request.get_absolute_url() in queue
    page = approver.get(request.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="decision-form"' in page.content.decode()
    done = approver.post(
        request.get_absolute_url(), {"action": "decide", "verdict": "approve", "comment": ""}
    )
    assert done.status_code == 302
    outlet.refresh_from_db()
    assert outlet.address == NEW_ADDRESS
    assert ChangeRequest.objects.get().state == RequestState.APPLIED


def test_bulk_approval_and_overdue_rows(world, logged_in):
    from crm.approvals import services
    from crm.core.choices import Channel, Source

    regional = world["regional"]
    type(regional).objects.filter(pk=world["colleague"].pk).update(manager=regional)
    authored = [(world["manager"], "mine"), (world["colleague"], "colleagues")]
    requests = [
        services.change_request_submit(
            author,
            source=Source.STAFF,
            channel=Channel.WEB,
            record=world["outlets"][key],
            changes={"address": f"{NEW_ADDRESS}, корп. {n}"},
        ).request
        for n, (author, key) in enumerate(authored, start=1)
    ]
    ChangeRequest.objects.filter(pk=requests[0].pk).update(
        deadline=timezone.now() - timezone.timedelta(hours=1)
    )
    approver = logged_in(world["regional"])
    queue = approver.get(reverse("approvals:request_list")).content.decode()
    assert "table-danger" in queue  # the overdue one is highlighted
    response = approver.post(
        reverse("approvals:request_list"), {"pk": [str(r.pk) for r in requests]}
    )
    assert response.status_code == 302
    states = dict(ChangeRequest.objects.values_list("pk", "state"))
    assert states == {r.pk: RequestState.APPLIED for r in requests}


def test_a_request_is_seen_by_its_author_and_approvers_only(world, logged_in, client):
    from crm.approvals import services
    from crm.core.choices import Channel, Source

    request = services.change_request_submit(
        world["manager"],
        source=Source.STAFF,
        channel=Channel.WEB,
        record=world["outlets"]["mine"],
        changes={"address": NEW_ADDRESS},
    ).request
    assert logged_in(world["stranger"]).get(request.get_absolute_url()).status_code == 404
    client.logout()
    stranger_queue = logged_in(world["stranger"]).get(
        reverse("approvals:request_list") + "?show=all"
    )
    assert request.get_absolute_url() not in stranger_queue.content.decode()
    client.logout()
    assert logged_in(world["manager"]).get(request.get_absolute_url()).status_code == 200


def test_a_hidden_field_is_not_shown_as_pending(world, logged_in):
    from crm.approvals import services
    from crm.core.choices import Channel, Source

    outlet = world["outlets"]["mine"]
    services.change_request_submit(
        world["manager"],
        source=Source.STAFF,
        channel=Channel.WEB,
        record=outlet,
        changes={"address": NEW_ADDRESS},
    )
    FieldPolicy.objects.create(
        model="outlets.outlet",
        field="address",
        position=world["colleague"].position,
        access=FieldAccess.HIDDEN,
    )
    card = logged_in(world["colleague"]).get(outlet.get_absolute_url()).content.decode()
    assert NEW_ADDRESS not in card


def test_an_approver_sets_and_removes_their_own_delegation(world, logged_in):
    from datetime import timedelta

    from crm.approvals.models import Delegation

    client = logged_in(world["regional"])
    url = reverse("approvals:delegation")
    today = timezone.localdate()
    bad = client.post(
        url,
        {
            "delegate": world["colleague"].pk,
            "starts": today.isoformat(),
            "ends": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert bad.status_code == 400
    saved = client.post(
        url,
        {
            "delegate": world["colleague"].pk,
            "starts": today.isoformat(),
            "ends": (today + timedelta(days=14)).isoformat(),
        },
    )
    assert saved.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.user, delegation.delegate) == (world["regional"], world["colleague"])
    assert world["colleague"].get_full_name() in client.get(url).content.decode()
    client.post(url, {"action": "delete", "pk": delegation.pk})
    assert not Delegation.objects.exists()
