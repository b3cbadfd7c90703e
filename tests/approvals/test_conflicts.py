"""Conflicts between sources: rival open requests and an ERP value against a recent manual
one go to a data steward, who picks a value with a comment; source priorities settle them
without anyone; everyone involved is told."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from crm.approvals import conflicts, services
from crm.approvals.models import (
    ApprovalRule,
    ApprovalStep,
    ChangeRequest,
    Conflict,
    ConflictState,
    RequestState,
    SourcePriority,
    Verdict,
)
from crm.core.choices import Channel, Source
from crm.core.records import RecordError
from crm.outlets.models import Outlet
from tests.factories import UserFactory
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

DEALER_ADDRESS = "г. Москва, ул. Дилерская, д. 1"
ERP_ADDRESS = "г. Москва, ул. Учётная, д. 2"


@pytest.fixture
def world():
    world = build_world()
    world["steward"] = UserFactory(username="steward", role="approver")
    # A dealer's proposal entered by the head of sales (the dealer cabinet comes later).
    world["dealer_user"] = world["head"]
    rule = ApprovalRule.objects.create(
        name="Адрес",
        content_type=ContentType.objects.get_for_model(Outlet),
        fields=["address"],
        sources=[Source.STAFF, Source.DEALER],
    )
    ApprovalStep.objects.create(rule=rule, user=world["regional"])
    return world


def submit(actor, record, source, channel=Channel.WEB, **changes):
    return services.change_request_submit(
        actor, source=source, channel=channel, record=record, changes=changes
    )


def fresh(obj):
    return type(obj)._default_manager.get(pk=obj.pk)


def test_rival_requests_go_to_a_steward_who_picks_one_and_everyone_hears(world):
    outlet = world["outlets"]["mine"]
    dealer = submit(world["dealer_user"], outlet, Source.DEALER, address=DEALER_ADDRESS)
    assert dealer.request is not None
    staff = submit(world["manager"], outlet, Source.STAFF, address="г. Москва, ул. Иная, 3")
    assert staff.held == ["address"]
    assert staff.request is None
    conflict = Conflict.objects.get()
    assert conflict.state == ConflictState.OPEN
    assert sorted(conflict.entries.values_list("source", flat=True)) == ["dealer", "staff"]
    assert fresh(dealer.request).state == RequestState.CANCELLED  # its only value moved
    steward = world["steward"]
    assert steward.notifications.filter(event_type="approvals.conflict_opened").exists()

    with pytest.raises(RecordError):  # a reason is required
        conflicts.conflict_resolve(
            steward, conflict=conflict, entry=conflict.entries.get(source="dealer"), comment=""
        )
    with pytest.raises(RecordError):  # only a data steward decides
        conflicts.conflict_resolve(
            world["manager"],
            conflict=conflict,
            entry=conflict.entries.get(source="dealer"),
            comment="моё",
        )
    conflicts.conflict_resolve(
        steward,
        conflict=conflict,
        entry=conflict.entries.get(source="dealer"),
        comment="Дилер прислал фото вывески",
    )
    conflict = fresh(conflict)
    assert (conflict.state, conflict.resolved_value) == (ConflictState.RESOLVED, DEALER_ADDRESS)
    assert fresh(outlet).address == DEALER_ADDRESS
    for party in (world["dealer_user"], world["manager"]):
        assert party.notifications.filter(event_type="approvals.conflict_resolved").count() == 1


def test_an_erp_value_against_a_recently_approved_manual_one_is_held(world):
    outlet = world["outlets"]["mine"]
    manual = submit(world["manager"], outlet, Source.STAFF, address=DEALER_ADDRESS).request
    services.change_request_decide(world["regional"], request=manual, verdict=Verdict.APPROVE)
    assert fresh(outlet).address == DEALER_ADDRESS
    erp = submit(None, outlet, Source.ERP, Channel.SYNC, address=ERP_ADDRESS)
    assert erp.held == ["address"]
    assert fresh(outlet).address == DEALER_ADDRESS  # not overwritten by the nightly sync
    conflict = Conflict.objects.get()
    entries = {e.source: e for e in conflict.entries.all()}
    assert entries["staff"].applied
    assert entries["erp"].value == ERP_ADDRESS
    # The steward may also enter a value of their own.
    conflicts.conflict_resolve(
        world["steward"],
        conflict=conflict,
        value="г. Москва, ул. Учётная, д. 2, стр. 1",
        comment="Уточнил по телефону",
    )
    assert fresh(outlet).address == "г. Москва, ул. Учётная, д. 2, стр. 1"


def test_an_old_manual_value_does_not_hold_the_erp_back(world, settings):
    outlet = world["outlets"]["mine"]
    manual = submit(world["manager"], outlet, Source.STAFF, address=DEALER_ADDRESS).request
    services.change_request_decide(world["regional"], request=manual, verdict=Verdict.APPROVE)
    ChangeRequest.objects.filter(pk=manual.pk).update(
        decided_at=fresh(manual).decided_at - timedelta(days=settings.APPROVALS_CONFLICT_DAYS + 1)
    )
    assert submit(None, outlet, Source.ERP, Channel.SYNC, address=ERP_ADDRESS).written == [
        "address"
    ]


def test_a_source_priority_decides_without_a_steward(world):
    outlet = world["outlets"]["mine"]
    SourcePriority.objects.create(
        name="Адрес: 1С главнее",
        content_type=ContentType.objects.get_for_model(Outlet),
        fields=["address"],
        sources=[Source.ERP, Source.DEALER, Source.STAFF],
    )
    dealer = submit(world["dealer_user"], outlet, Source.DEALER, address=DEALER_ADDRESS).request
    erp = submit(None, outlet, Source.ERP, Channel.SYNC, address=ERP_ADDRESS)
    assert erp.written == ["address"]  # the ERP wins: written, the dealer's value dropped
    assert fresh(outlet).address == ERP_ADDRESS
    assert fresh(dealer).state == RequestState.CANCELLED
    settled = Conflict.objects.get()
    assert (settled.state, settled.resolved_by, settled.resolved_source) == (
        ConflictState.RESOLVED,
        None,
        Source.ERP,
    )
    # a weaker source proposing against a pending stronger one is overruled
    submit(None, outlet, Source.ERP, Channel.SYNC, address=ERP_ADDRESS + ", корп. 2")
    staff_first = submit(world["dealer_user"], outlet, Source.DEALER, address="ул. Третья, 3")
    assert staff_first.request is not None  # nothing open to rival it: a plain request
    staff = submit(world["manager"], outlet, Source.STAFF, address="ул. Четвёртая, 4")
    assert staff.overruled == ["address"]  # the dealer outranks staff here


def test_a_conflict_state_changes_only_through_the_workflow(world):
    outlet = world["outlets"]["mine"]
    submit(world["dealer_user"], outlet, Source.DEALER, address=DEALER_ADDRESS)
    submit(world["manager"], outlet, Source.STAFF, address="ул. Иная, 3")
    conflict = Conflict.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Conflict.objects.filter(pk=conflict.pk).update(state=ConflictState.RESOLVED)
    assert fresh(conflict).state == ConflictState.OPEN
