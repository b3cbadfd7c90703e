"""Change requests through the one entry (change_request_submit): fields under a rule are
requested and routed, others written at once; any / all / sequence modes; return for rework
with unchanged parts kept; frozen routes; a stale approval re-checked; the database guard."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from crm.approvals import services
from crm.approvals.models import (
    ApprovalRule,
    ApprovalStep,
    ChangeRequest,
    GroupState,
    Mode,
    Relative,
    RequestState,
    TransitionLog,
    Verdict,
)
from crm.core.choices import Channel, Source
from crm.core.records import RecordError
from crm.outlets.models import Outlet
from tests.factories import UserFactory
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

NEW_ADDRESS = "г. Москва, ул. Новая, д. 1"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def outlet(world):
    return world["outlets"]["mine"]


def rule(fields, *steps, mode=Mode.ANY, sources=(), name=None, order=100):
    made = ApprovalRule.objects.create(
        name=name or "Правило: " + ", ".join(fields),
        content_type=ContentType.objects.get_for_model(Outlet),
        fields=list(fields),
        sources=list(sources),
        mode=mode,
        order=order,
    )
    for index, step in enumerate(steps, start=1):
        ApprovalStep.objects.create(rule=made, order=index, **step)
    return made


def submit(actor, record, source=Source.STAFF, **changes):
    return services.change_request_submit(
        actor, source=source, channel=Channel.WEB, record=record, changes=changes
    )


def decide(user, request, verdict=Verdict.APPROVE, comment=""):
    return services.change_request_decide(user, request=request, verdict=verdict, comment=comment)


def fresh(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def test_a_governed_field_is_requested_and_the_rest_written_at_once(world, outlet):
    rule(["address"], {"relative": Relative.LINE_MANAGER})
    manager, regional = world["manager"], world["regional"]
    version = outlet.version
    result = submit(manager, outlet, address=NEW_ADDRESS, phone="+74951112233")
    assert result.written == ["phone"]
    request = result.request
    assert request.state == RequestState.PENDING
    current = fresh(outlet)
    assert current.phone == "+74951112233"
    assert current.address != NEW_ADDRESS  # requested, not written
    assert current.version == version + 1
    [item] = services.pending_for(current)  # what the card shows as pending approval
    assert (item.field, item.new_value) == ("address", NEW_ADDRESS)
    assert regional.notifications.filter(event_type="approvals.awaiting").count() == 1

    decide(regional, request)
    request = fresh(request)
    assert request.state == RequestState.APPLIED
    current = fresh(outlet)
    assert current.address == NEW_ADDRESS
    assert current.version == version + 2
    event = Outlet.pgh_event_model.objects.filter(pgh_obj_id=outlet.pk).latest("pgh_id")
    assert event.address == NEW_ADDRESS
    assert event.pgh_context.metadata["change_request"] == request.pk
    assert event.pgh_context.metadata["approved_by"] == regional.pk
    assert manager.notifications.filter(event_type="approvals.decided").count() == 1
    assert list(
        TransitionLog.objects.filter(object_id=request.pk).values_list("transition", flat=True)
    ) == ["submit", "apply"]


def test_all_mode_needs_every_step_and_sequence_mode_keeps_the_order(world, outlet):
    head, regional = world["head"], world["regional"]
    rule(
        ["address"],
        {"relative": Relative.REGIONAL_MANAGER},
        {"user": head},
        mode=Mode.ALL,
    )
    rule(
        ["name"],
        {"user": head},
        {"relative": Relative.REGIONAL_MANAGER},
        mode=Mode.SEQUENCE,
    )
    request = submit(world["manager"], outlet, address=NEW_ADDRESS, name="Салон Новый").request
    assert {g.mode for g in request.groups.all()} == {Mode.ALL, Mode.SEQUENCE}
    # "all": the regional manager's approval alone leaves the address group pending; in the
    # sequence the regional manager's turn comes after the head of sales.
    decide(regional, request)
    groups = {g.rule_name: g for g in fresh(request).groups.all()}
    assert groups["Правило: address"].state == GroupState.PENDING
    assert not services.decidable(fresh(request), regional)  # nothing more for them now
    decide(head, request)  # the address group's second step and the name group's first
    request = fresh(request)
    assert request.state == RequestState.PENDING
    assert fresh(outlet).address != NEW_ADDRESS  # nothing written before the last approval
    decide(regional, request)
    assert fresh(request).state == RequestState.APPLIED
    current = fresh(outlet)
    assert (current.address, current.name) == (NEW_ADDRESS, "Салон Новый")


def test_a_return_starts_round_two_and_unchanged_parts_keep_their_approval(world, outlet):
    head, regional, manager = world["head"], world["regional"], world["manager"]
    rule(["address"], {"relative": Relative.LINE_MANAGER}, name="Адрес")
    rule(["name"], {"user": head}, name="Название")
    request = submit(manager, outlet, address="ул. Опечаточная", name="Салон Новый").request
    decide(head, request)  # the name is fine
    with pytest.raises(RecordError):
        decide(regional, request, Verdict.RETURN)  # a return needs a reason
    decide(regional, request, Verdict.RETURN, comment="Опечатка в адресе")
    request = fresh(request)
    assert request.state == RequestState.RETURNED
    # A reworked value is checked as a first proposal is: refused, and nothing changes.
    with pytest.raises(RecordError):
        services.change_request_resubmit(
            manager, request=request, changes={"address": NEW_ADDRESS, "name": "С" * 1000}
        )
    assert (fresh(request).round, fresh(request).state) == (1, RequestState.RETURNED)
    assert request.items.get(field="address").new_value == "ул. Опечаточная"
    services.change_request_resubmit(
        manager, request=request, changes={"address": NEW_ADDRESS, "name": "Салон Новый"}
    )
    request = fresh(request)
    assert (request.state, request.round) == (RequestState.PENDING, 2)
    groups = {g.rule_name: g.state for g in request.groups.all()}
    assert groups == {"Адрес": GroupState.PENDING, "Название": GroupState.APPROVED}
    assert not services.decidable(request, head)  # the head of sales is not asked again
    decide(regional, request)
    assert fresh(request).state == RequestState.APPLIED
    assert fresh(outlet).address == NEW_ADDRESS


def test_editing_a_rule_leaves_requests_in_flight_alone(world, outlet):
    regional, colleague = world["regional"], world["colleague"]
    made = rule(["address"], {"user": regional})
    request = submit(world["manager"], outlet, address=NEW_ADDRESS).request
    made.steps.update(user=colleague)
    made.mode = Mode.ALL
    made.save()
    assert not services.decidable(fresh(request), colleague)
    decide(regional, request)
    assert fresh(request).state == RequestState.APPLIED


def test_a_stale_approval_is_rechecked_not_blindly_applied(world, outlet):
    regional = world["regional"]
    rule(["address"], {"user": regional})
    request = submit(world["manager"], outlet, address=NEW_ADDRESS).request
    Outlet.objects.filter(pk=outlet.pk).update(address="г. Москва, ул. Чужая, 5")  # meanwhile
    decide(regional, request)
    request = fresh(request)
    assert (request.state, request.round) == (RequestState.PENDING, 2)
    assert fresh(outlet).address == "г. Москва, ул. Чужая, 5"
    item = request.items.get()
    assert item.old_value == "г. Москва, ул. Чужая, 5"  # the approver now sees what is there
    assert regional.notifications.filter(event_type="approvals.rechecked").count() == 1
    decide(regional, request)
    assert fresh(request).state == RequestState.APPLIED
    assert fresh(outlet).address == NEW_ADDRESS


def test_rules_apply_per_source_and_the_erp_is_routed_too(world, outlet):
    regional = world["regional"]
    rule(["address"], {"user": regional}, sources=[Source.DEALER, Source.ERP])
    staff = submit(world["manager"], outlet, address=NEW_ADDRESS)
    assert staff.request is None
    assert staff.written == ["address"]
    erp = submit(None, outlet, source=Source.ERP, address="г. Москва, ул. Из 1С, 2")
    assert erp.request is not None
    assert erp.request.author is None
    decide(regional, erp.request)
    assert fresh(outlet).address == "г. Москва, ул. Из 1С, 2"


def test_only_an_approver_decides_and_never_on_their_own_change(world, outlet):
    regional, manager = world["regional"], world["manager"]
    rule(["address"], {"user": regional}, {"user": manager}, mode=Mode.ALL)
    request = submit(manager, outlet, address=NEW_ADDRESS).request
    group = request.groups.get()
    # the author was taken off the route: the step falls back to the administrators
    assert manager.pk not in {pk for step in group.route for pk in step["users"]}
    with pytest.raises(RecordError):
        decide(manager, request)
    with pytest.raises(RecordError):
        decide(world["stranger"], request)


def test_a_step_without_anyone_falls_back_to_the_administrators(world, outlet):
    admin = UserFactory(username="adm", role="administrator")
    empty_role = Group.objects.create(name="Пустая роль")
    rule(["address"], {"role": empty_role})
    request = submit(world["manager"], outlet, address=NEW_ADDRESS).request
    assert request.approver_ids == [admin.pk]


def test_a_rejection_needs_a_reason_and_tells_the_author(world, outlet):
    regional, manager = world["regional"], world["manager"]
    rule(["address"], {"user": regional})
    request = submit(manager, outlet, address=NEW_ADDRESS).request
    decide(regional, request, Verdict.REJECT, comment="Адрес не подтверждён")
    assert fresh(request).state == RequestState.REJECTED
    assert fresh(outlet).address != NEW_ADDRESS
    assert manager.notifications.filter(event_type="approvals.decided").exists()


def test_the_database_refuses_a_state_change_outside_the_workflow(world, outlet):
    rule(["address"], {"user": world["regional"]})
    request = submit(world["manager"], outlet, address=NEW_ADDRESS).request
    with (
        pytest.raises(IntegrityError, match="changes only through its workflow"),
        transaction.atomic(),
    ):
        ChangeRequest.objects.filter(pk=request.pk).update(state=RequestState.APPLIED)
    assert fresh(request).state == RequestState.PENDING
    # other columns stay writable; the workflow itself moves the state
    ChangeRequest.objects.filter(pk=request.pk).update(comment="пояснение")
    services.change_request_cancel(world["manager"], request=request)
    assert fresh(request).state == RequestState.CANCELLED


def test_a_staff_author_needs_the_right_to_change_the_record(world):
    rule(["address"], {"user": world["regional"]})
    foreign = world["outlets"]["foreign"]  # St Petersburg: outside the manager's scope
    with pytest.raises(RecordError):
        submit(world["manager"], foreign, address=NEW_ADDRESS)
    assert not ChangeRequest.objects.exists()


def test_a_delegate_decides_while_the_approver_is_away_and_not_after(world, outlet):
    from datetime import timedelta

    from django.utils import timezone

    from crm.approvals.models import Decision, Delegation

    regional, colleague = world["regional"], world["colleague"]
    today = timezone.localdate()
    away = Delegation.objects.create(
        user=regional, delegate=colleague, starts=today, ends=today + timedelta(days=7)
    )
    rule(["address"], {"user": regional})
    request = submit(world["manager"], outlet, address=NEW_ADDRESS).request
    assert colleague.pk in request.approver_ids  # sees it, finds it in the queue
    assert colleague.notifications.filter(event_type="approvals.awaiting").count() == 1
    decide(colleague, request)
    assert fresh(request).state == RequestState.APPLIED
    decision = Decision.objects.get(request=request)
    assert (decision.user, decision.on_behalf_of) == (colleague, regional)

    Delegation.objects.filter(pk=away.pk).update(
        starts=today - timedelta(days=9), ends=today - timedelta(days=2)
    )
    later = submit(world["manager"], outlet, address=NEW_ADDRESS + ", стр. 2").request
    assert colleague.pk not in later.approver_ids
    with pytest.raises(RecordError):
        decide(colleague, later)


def test_an_overdue_request_is_escalated_exactly_once_by_the_beat_task(world, outlet):
    from datetime import timedelta

    from django.utils import timezone

    from crm.approvals import tasks

    regional, head = world["regional"], world["head"]
    type(regional).objects.filter(pk=regional.pk).update(manager=head)
    rule(["address"], {"user": regional})
    request = submit(world["manager"], outlet, address=NEW_ADDRESS).request
    assert tasks.escalate_overdue.apply().get() == 0  # not overdue yet
    ChangeRequest.objects.filter(pk=request.pk).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    assert tasks.escalate_overdue.apply().get() == 1
    assert tasks.escalate_overdue.apply().get() == 0  # once
    request = fresh(request)
    assert request.escalated_to == [head.pk]
    assert head.pk in request.approver_ids
    assert head.notifications.filter(event_type="approvals.escalated").count() == 1
    assert regional.notifications.filter(event_type="approvals.escalated").count() == 1
    decide(head, request)  # the line manager decides in the overdue approver's place
    assert fresh(request).state == RequestState.APPLIED


@pytest.mark.parametrize("source", list(Source.values), ids=str)
def test_every_source_proposes_through_the_one_entry(world, outlet, source):
    rule(["address"], {"user": world["regional"]})  # no sources listed: every source
    author = world["head"] if source in services.PERSONAL_SOURCES else None
    result = submit(author, outlet, source=source, address=NEW_ADDRESS)
    assert result.request is not None
    assert (result.request.source, result.request.author) == (source, author)


def test_an_api_write_of_a_governed_field_becomes_a_request(world, outlet, client):
    from crm.core.api.services import api_key_create

    rule(["address"], {"user": world["regional"]})
    key = api_key_create(
        None, name="k", user=world["manager"], scopes=["outlets:read", "outlets:write"]
    )[1]
    response = client.patch(
        f"/api/v1/outlets/{outlet.pk}/",
        {"address": NEW_ADDRESS, "opening_hours": "10-22", "version": outlet.version},
        content_type="application/json",
        headers={"Authorization": f"Api-Key {key}"},
    )
    assert response.status_code == 200, response.content
    current = fresh(outlet)
    assert current.opening_hours == "10-22"
    assert current.address != NEW_ADDRESS
    request = ChangeRequest.objects.get()
    assert (request.channel, request.author) == (Channel.API, world["manager"])
