"""Every write is audited with who, source, channel and request id, bulk writes included."""

import pytest
from django.urls import reverse

from crm.accounts.models import OrgUnit
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.refs.models import Region
from tests.factories import OrgUnitFactory, RegionFactory

pytestmark = pytest.mark.django_db


def events_of(model):
    return model.pgh_event_model.objects.select_related("pgh_context").order_by("pgh_id")


def test_a_bulk_update_is_audited_with_source_and_channel(make_user):
    regions = RegionFactory.create_batch(3)
    actor = make_user()
    for region in regions:
        region.name = region.name + " (изм.)"
    with audit_context(source=Source.ERP, channel=Channel.SYNC, user=actor, request_id="sync-42"):
        Region.objects.bulk_update(regions, ["name"])
    updates = [e for e in events_of(Region) if e.pgh_label == "update"]
    assert len(updates) == 3
    for event in updates:
        context = event.pgh_context.metadata
        assert context["source"] == "erp"
        assert context["channel"] == "sync"
        assert context["request_id"] == "sync-42"
        assert context["user"] == actor.pk
        assert event.name.endswith("(изм.)")


def test_a_queryset_update_and_delete_are_audited():
    units = OrgUnitFactory.create_batch(2)
    with audit_context(source=Source.SYSTEM, channel=Channel.TASK):
        OrgUnit.objects.filter(pk__in=[u.pk for u in units]).update(external_code="X")
        OrgUnit.objects.filter(pk=units[0].pk).delete()
    labels = [e.pgh_label for e in events_of(OrgUnit)]
    assert labels.count("update") == 2
    assert labels.count("delete") == 1


def test_a_web_request_is_audited_with_the_user_and_request_id(client, sales_manager):
    client.force_login(sales_manager)
    response = client.post(
        reverse("accounts:profile"),
        {"language": "ru", "time_zone": "Asia/Novosibirsk", "notification_email": ""},
        HTTP_X_REQUEST_ID="req-abcdef12",
    )
    assert response.status_code == 302
    event = sales_manager.pgh_event_model.objects.filter(pgh_label="update").latest("pgh_id")
    context = event.pgh_context.metadata
    assert event.time_zone == "Asia/Novosibirsk"
    assert context["user"] == sales_manager.pk
    assert context["source"] == "staff"
    assert context["channel"] == "web"
    assert context["request_id"] == "req-abcdef12"
    assert response["X-Request-ID"] == "req-abcdef12"


def test_a_dealers_write_is_audited_as_dealer(client, dealer_user):
    client.force_login(dealer_user)
    client.post(reverse("accounts:set_language"), {"language": "en"})
    event = dealer_user.pgh_event_model.objects.filter(pgh_label="update").latest("pgh_id")
    assert event.pgh_context.metadata["source"] == "dealer"


def test_passwords_are_not_copied_into_the_audit_trail(sales_manager):
    fields = {f.name for f in sales_manager.pgh_event_model._meta.fields}
    assert "password" not in fields


def test_role_changes_are_audited(make_user):
    from django.contrib.auth.models import Group

    from crm.accounts.models import User

    actor = make_user()
    user = make_user()
    group, _ = Group.objects.get_or_create(name="approver")
    with audit_context(source=Source.STAFF, channel=Channel.WEB, user=actor):
        user.groups.add(group)
        user.groups.remove(group)
    events = list(User.groups.through.pgh_event_model.objects.order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["add", "remove"]
    assert all(e.group_id == group.pk and e.user_id == user.pk for e in events)
    assert events[0].pgh_context.metadata["user"] == actor.pk


def test_an_org_units_regions_are_audited():
    unit = OrgUnitFactory()
    region = RegionFactory()
    with audit_context(source=Source.STAFF, channel=Channel.WEB):
        unit.regions.add(region)
    (event,) = OrgUnit.regions.through.pgh_event_model.objects.all()
    assert event.pgh_label == "add"
