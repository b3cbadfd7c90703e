"""Merging duplicates: picked values, every relation re-pointed (found through _meta), the
dropped record archived; undo puts everything back unless someone edited the records since."""

from datetime import date

import pghistory.models
import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm

from crm.approvals.models import ChangeRequest
from crm.clients.models import (
    BankAccount,
    Contact,
    Interaction,
    Organisation,
    OrganisationGrant,
)
from crm.core import merge, records
from crm.core.merge_models import MergeLog
from tests.factories import UserFactory
from tests.sales.factories import PlanFactory, ProductFactory, ProductGroupFactory
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, the source language."""
    with translation.override("en"):
        yield


def in_ru(text: str) -> str:
    """A message as the Russian page shows it."""
    with translation.override("ru"):
        return translation.gettext(text)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def pair(world):
    """Two organisations of the manager's: the survivor in Moscow, the duplicate in the oblast."""
    keep = Organisation.objects.create(
        name="ООО «Ромашка»",
        region=world["regions"]["77"],
        owner=world["manager"],
        inn="7707083893",
        phone="+74951234567",
        erp_key="",
    )
    drop = Organisation.objects.create(
        name="Ромашка, ООО",
        region=world["regions"]["50"],
        owner=world["manager"],
        phone="+74997654321",
        email="info@romashka.example",
        erp_key="ERP-42",
        notes="из 1С",
    )
    return keep, drop


def perm(model, action):
    opts = model._meta
    return Permission.objects.get(
        content_type__app_label=opts.app_label, codename=f"{action}_{opts.model_name}"
    )


def generic_user_grant(model):
    def make(target, world):
        return UserObjectPermission.objects.create(
            user=world["colleague"],
            permission=perm(model, "view"),
            content_type=ContentType.objects.get_for_model(model),
            object_pk=str(target.pk),
        )

    return make


def generic_group_grant(model):
    def make(target, world):
        return GroupObjectPermission.objects.create(
            group=Group.objects.get_or_create(name="Наблюдатели")[0],
            permission=perm(model, "view"),
            content_type=ContentType.objects.get_for_model(model),
            object_pk=str(target.pk),
        )

    return make


def change_request(model):
    """An open change request about the record (its generic relation moves with a merge)."""

    def make(target, world):
        from crm.approvals.models import ChangeRequest

        return ChangeRequest.objects.create(
            content_type=ContentType.objects.get_for_model(model),
            object_id=target.pk,
            source="staff",
            channel="web",
            author=world["manager"],
        )

    return make


def conflict(model, field_name):
    """An open conflict about the record (its generic relation moves with a merge)."""

    def make(target, world):
        from crm.approvals.models import Conflict

        return Conflict.objects.create(
            content_type=ContentType.objects.get_for_model(model),
            object_id=target.pk,
            field=field_name,
        )

    return make


def make_outlet(dealer, name="Салон на Тверской"):
    from crm.outlets.models import Outlet

    return Outlet.objects.create(dealer=dealer, name=name)


def outlet_contact_link(contact, world):
    outlet = make_outlet(world["mine"])
    outlet.contacts.add(contact)
    return outlet.contacts.through.objects.get(outlet=outlet, contact=contact)


def invitation(organisation):
    from dealers.models import DealerInvitation

    return DealerInvitation.objects.create(
        organisation=organisation,
        email="invited@example.com",
        token_hash=f"merge-{organisation.pk}",
        expires_at=timezone.now(),
    )


def outlet_proposal(organisation):
    from crm.outlets.models import Outlet
    from dealers.models import OutletProposal

    outlet = make_outlet(organisation)
    request = ChangeRequest.objects.create(
        content_type=ContentType.objects.get_for_model(Outlet),
        object_id=outlet.pk,
        source="dealer",
        channel="web",
    )
    return OutletProposal.objects.create(
        organisation=organisation, outlet=outlet, kind="new", request=request
    )


def report_upload(organisation):
    from dealers.models import ReportUpload

    return ReportUpload.objects.create(
        organisation=organisation, quarter_start=date(2026, 1, 1), filename="report.xlsx"
    )


def segment_member(organisation):
    from crm.sales.models import DealerSegment

    segment = DealerSegment.objects.create(name=f"Сегмент {organisation.pk}")
    segment.members.add(organisation)
    return segment.members.through.objects.get(dealersegment=segment, organisation=organisation)


def warehouse(organisation, name="Склад"):
    from crm.stock.models import DealerWarehouse

    return DealerWarehouse.objects.create(
        organisation=organisation, name=f"{name} {organisation.pk}"
    )


def stock_balance(organisation):
    from crm.stock.models import StockBalance

    return StockBalance.objects.create(
        warehouse=warehouse(organisation, "Склад запчастей"), product=ProductFactory(), quantity=5
    )


# One row maker per relation to the model: (row pointing to ``target``) ← make(target, world).
# A new foreign key to Organisation or Contact fails test_every_relation_is_covered until it
# gets a maker here (and so a place in the merge-and-undo test) or an exclusion below.
def sales_line(organisation, flow, tag):
    from crm.sales.models import SalesLine

    party = "seller" if flow == "sell_out" else "buyer"
    return SalesLine.objects.create(
        flow=flow,
        date=date(2026, 3, 1),
        product_group=ProductGroupFactory(),
        quantity=1,
        amount=100,
        source="erp",
        channel="sync",
        external_id=f"merge-{organisation.pk}-{tag}",
        **{party: organisation},
    )


def membership(organisation):
    from dealers.models import DealerMembership

    user = UserFactory(username=f"member-{organisation.pk}", role="dealer")
    return DealerMembership.objects.create(user=user, organisation=organisation)


def sales_report(organisation):
    from dealers.models import SalesReport

    return SalesReport.objects.create(organisation=organisation, quarter_start=date(2026, 7, 1))


def sale_entry(organisation):
    from dealers.models import SaleEntry

    product = ProductFactory()
    return SaleEntry.objects.create(
        organisation=organisation,
        date=date(2026, 11, 2),
        product=product,
        product_group=product.group,
        quantity=1,
        amount=100,
    )


ROW_MAKERS = {
    Organisation: {
        "clients.BankAccount.organisation_id": lambda o, w: BankAccount.objects.create(
            organisation=o, bik="044525225", bank_name="Сбербанк", account="40702810400000000001"
        ),
        "clients.Contact.organisation_id": lambda o, w: Contact.objects.create(
            organisation=o, last_name="Иванова"
        ),
        "clients.Interaction.organisation_id": lambda o, w: Interaction.objects.create(
            organisation=o, kind="call", subject="Звонок", author=w["manager"]
        ),
        "clients.Organisation.parent_dealer_id": lambda o, w: Organisation.objects.create(
            name="Субдилер", kind="sub_dealer", parent_dealer=o, owner=w["manager"]
        ),
        "clients.OrganisationGrant.content_object_id": lambda o, w: OrganisationGrant.objects.get(
            pk=assign_perm("clients.view_organisation", w["colleague"], o).pk
        ),
        "approvals.ChangeRequest.object_id": change_request(Organisation),
        "approvals.Conflict.object_id": conflict(Organisation, "legal_address"),
        "guardian.GroupObjectPermission.object_pk": generic_group_grant(Organisation),
        "guardian.UserObjectPermission.object_pk": generic_user_grant(Organisation),
        "outlets.Outlet.dealer_id": lambda o, w: make_outlet(o),
        "sales.SalesLine.seller_id": lambda o, w: sales_line(o, "sell_out", "seller"),
        "sales.SalesLine.buyer_id": lambda o, w: sales_line(o, "sell_in", "buyer"),
        # The organisation a line counts for follows its seller or buyer (a trigger).
        "sales.SalesLine.organisation_id": lambda o, w: sales_line(o, "sell_in", "counts"),
        "dealers.DealerMembership.organisation_id": lambda o, w: membership(o),
        "dealers.SalesReport.organisation_id": lambda o, w: sales_report(o),
        "dealers.SaleEntry.organisation_id": lambda o, w: sale_entry(o),
        "dealers.DealerInvitation.organisation_id": lambda o, w: invitation(o),
        "dealers.OutletProposal.organisation_id": lambda o, w: outlet_proposal(o),
        "dealers.ReportUpload.organisation_id": lambda o, w: report_upload(o),
        "sales.DealerSegment_members.organisation_id": lambda o, w: segment_member(o),
        "stock.DealerWarehouse.organisation_id": lambda o, w: warehouse(o),
        # The organisation of a balance is its warehouse's (a trigger).
        "stock.StockBalance.organisation_id": lambda o, w: stock_balance(o),
        "sales.Plan.organisation_id": lambda o, w: PlanFactory(
            organisation=o, period_start=date(2026, 1, 1), product_group=ProductGroupFactory()
        ),
    },
    Contact: {
        "clients.Interaction.contact_id": lambda c, w: Interaction.objects.create(
            organisation=c.organisation,
            contact=c,
            kind="call",
            subject="Звонок",
            author=w["manager"],
        ),
        "approvals.ChangeRequest.object_id": change_request(Contact),
        "approvals.Conflict.object_id": conflict(Contact, "email"),
        "guardian.GroupObjectPermission.object_pk": generic_group_grant(Contact),
        "guardian.UserObjectPermission.object_pk": generic_user_grant(Contact),
        "outlets.Outlet_contacts.contact_id": outlet_contact_link,
    },
}
# Relations a merge does not re-point, and why. The audit trail's event tables (pghistory)
# are excluded as a kind below: history stays with the record it describes.
EXCLUDED: dict[str, str] = {}


def relations_in_registry(model) -> set[str]:
    """Every column of every installed model pointing to ``model`` (FKs, one-to-ones, M2M
    through tables), and every generic foreign key, as "app.Model.column"."""
    found = set()
    for other in apps.get_models(include_auto_created=True):
        if issubclass(other, pghistory.models.Event):
            continue  # history is not moved: it describes the record it was written for
        for field in other._meta.concrete_fields:
            if field.is_relation and field.related_model is model:
                found.add(f"{other._meta.label}.{field.attname}")
        for private in other._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                found.add(f"{other._meta.label}.{other._meta.get_field(private.fk_field).attname}")
    return found


@pytest.mark.parametrize("model", [Organisation, Contact], ids=lambda m: m.__name__)
def test_every_relation_is_covered(model):
    found = relations_in_registry(model)
    uncovered = found - set(ROW_MAKERS[model]) - set(EXCLUDED)
    assert not uncovered, (
        f"New relations to {model.__name__}: {sorted(uncovered)}. Check that crm.core.merge "
        "re-points them (unique constraints!) and add a row maker to ROW_MAKERS in this file, "
        "or an exclusion with the reason."
    )
    handled = {relation.label for relation in merge.relations_of(model)}
    assert handled == found - set(EXCLUDED)


def points_to(row, label, target) -> bool:
    field = label.rsplit(".", 1)[1]
    value = type(row)._base_manager.filter(pk=row.pk).values_list(field, flat=True).get()
    return str(value) == str(target.pk)


def post_merge(client, keep, drop, **picks):
    data = {"keep": keep.pk, "drop": drop.pk, "keep_version": keep.version}
    data["drop_version"] = drop.version
    data.update({f"pick_{name}": side for name, side in picks.items()})
    url = reverse(f"clients:{keep._meta.model_name}_merge")
    return client.post(url, data)


def test_merge_re_points_everything_and_undo_restores(client, world, pair):
    keep, drop = pair
    rows = {label: make(drop, world) for label, make in ROW_MAKERS[Organisation].items()}
    contact = rows["clients.Contact.organisation_id"]
    contact.refresh_from_db()
    assert contact.region_id == drop.region_id
    client.force_login(world["manager"])

    screen = client.get(reverse("clients:organisation_merge") + f"?keep={keep.pk}&drop={drop.pk}")
    assert screen.status_code == 200
    assert 'name="pick_phone"' in screen.content.decode()
    assert 'name="pick_inn"' in screen.content.decode()  # differs: one is empty

    response = post_merge(client, keep, drop, name="drop", email="drop", erp_key="drop")
    log = MergeLog.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:organisation_merge_log", args=[log.pk])
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.name, keep.email, keep.erp_key) == (
        "Ромашка, ООО",
        "info@romashka.example",
        "ERP-42",
    )
    assert (keep.phone, keep.inn) == ("+74951234567", "7707083893")  # the survivor's kept
    assert keep.region == world["regions"]["77"]
    assert drop.is_archived
    assert drop.erp_key == ""
    for label, row in rows.items():
        assert points_to(row, label, keep), label
    contact.refresh_from_db()
    assert contact.region_id == keep.region_id  # the scope copies follow the survivor
    assert merge.merged_into(Organisation, drop.pk) == log
    page = client.get(reverse("clients:organisation_merge_log", args=[log.pk])).content.decode()
    assert in_ru("Undo the merge") in page

    response = client.post(reverse("clients:organisation_merge_log", args=[log.pk]))
    assert response.status_code == 302
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.name, keep.email, keep.erp_key) == ("ООО «Ромашка»", "", "")
    assert not drop.is_archived
    assert drop.erp_key == "ERP-42"
    for label, row in rows.items():
        assert points_to(row, label, drop), label
    contact.refresh_from_db()
    assert contact.region_id == drop.region_id
    log.refresh_from_db()
    assert log.undone_at is not None
    assert log.undone_by == world["manager"]
    assert merge.merged_into(Organisation, drop.pk) is None


def test_a_grant_the_survivor_already_has_is_dropped_and_undo_brings_it_back(world, pair):
    keep, drop = pair
    colleague = world["colleague"]
    assign_perm("clients.view_organisation", colleague, keep)
    twin = assign_perm("clients.view_organisation", colleague, drop)
    other = assign_perm("clients.change_organisation", colleague, drop)
    log = merge.records_merge(
        world["manager"],
        survivor=keep,
        dropped=drop,
        values={},
        survivor_version=None,
        dropped_version=None,
    )
    assert not OrganisationGrant.objects.filter(pk=twin.pk).exists()
    assert OrganisationGrant.objects.get(pk=other.pk).content_object_id == keep.pk
    assert [entry["pk"] for entry in log.removed] == [twin.pk]
    merge.merge_undo(world["manager"], log)
    restored = OrganisationGrant.objects.get(pk=twin.pk)
    assert (restored.content_object_id, restored.user_id) == (drop.pk, colleague.pk)
    assert OrganisationGrant.objects.get(pk=other.pk).content_object_id == drop.pk


def test_undo_is_refused_after_a_later_edit_naming_it(client, world, pair):
    keep, drop = pair
    manager = world["manager"]
    interaction = ROW_MAKERS[Organisation]["clients.Interaction.organisation_id"](drop, world)
    log = merge.records_merge(
        manager,
        survivor=keep,
        dropped=drop,
        values={"email": drop.email},
        survivor_version=keep.version,
        dropped_version=drop.version,
    )
    keep.refresh_from_db()
    records.record_update(manager, keep, data={"phone": "+74950000000"}, expected_version=None)
    client.force_login(manager)
    url = reverse("clients:organisation_merge_log", args=[log.pk])
    with translation.override("ru"):  # as the page shows it
        phone = str(Organisation._meta.get_field("phone").verbose_name)
    assert f"({phone}" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 409
    assert f"({phone}" in response.content.decode()
    with pytest.raises(records.RecordError, match=phone):
        merge.merge_undo(manager, log)
    interaction.refresh_from_db()
    assert interaction.organisation_id == keep.pk
    log.refresh_from_db()
    assert log.undone_at is None


def test_a_stale_version_re_renders_with_a_message_and_merges_nothing(client, world, pair):
    keep, drop = pair
    client.force_login(world["manager"])
    stale_version = drop.version
    records.record_update(world["manager"], drop, data={"notes": "новое"}, expected_version=None)
    data = {"keep": keep.pk, "drop": drop.pk, "keep_version": keep.version}
    response = client.post(
        reverse("clients:organisation_merge"), {**data, "drop_version": stale_version}
    )
    assert response.status_code == 409
    assert 'data-testid="stale-warning"' in response.content.decode()
    assert not MergeLog.objects.exists()
    drop.refresh_from_db()
    assert not drop.is_archived


def test_merging_needs_change_on_both_and_delete_on_the_dropped(client, world, pair, make_user):
    keep, drop = pair
    url = reverse("clients:organisation_merge")
    client.force_login(world["manager"])
    colleagues, foreign = world["colleagues"], world["foreign"]
    # A colleague's organisation is visible but not the manager's to change; foreign is unseen.
    for keep_pk, drop_pk in (
        (keep.pk, colleagues.pk),
        (colleagues.pk, drop.pk),
        (keep.pk, foreign.pk),
    ):
        assert client.get(url, {"keep": keep_pk, "drop": drop_pk}).status_code == 404
        assert client.post(url, {"keep": keep_pk, "drop": drop_pk}).status_code == 404
    assert client.get(url, {"keep": keep.pk, "drop": keep.pk}).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(world["colleague"])  # may change the manager's? no: and no delete at all
    assert client.get(url, {"keep": keep.pk, "drop": drop.pk}).status_code == 403
    client.force_login(world["analyst"])  # sees everything, changes nothing
    assert client.get(url, {"keep": keep.pk, "drop": drop.pk}).status_code == 403
    assert not MergeLog.objects.exists()


def test_undo_needs_the_same_rights(client, world, pair):
    keep, drop = pair
    log = merge.records_merge(
        world["manager"],
        survivor=keep,
        dropped=drop,
        values={},
        survivor_version=None,
        dropped_version=None,
    )
    client.force_login(world["stranger"])
    url = reverse("clients:organisation_merge_log", args=[log.pk])
    assert client.post(url).status_code == 404
    assert client.get(reverse("clients:contact_merge_log", args=[log.pk])).status_code == 404
    log.refresh_from_db()
    assert log.undone_at is None


def test_contacts_merge_with_their_interactions_and_outlets_and_undo(client, world):
    mine = world["mine"]
    keep = Contact.objects.create(organisation=mine, last_name="Петров", email="p@alfa.example")
    drop = Contact.objects.create(
        organisation=mine, last_name="Петров", first_name="Пётр", mobile="+79161234567"
    )
    rows = {label: make(drop, world) for label, make in ROW_MAKERS[Contact].items()}
    client.force_login(world["manager"])
    response = post_merge(client, keep, drop, first_name="drop", mobile="drop")
    assert response.status_code == 302
    keep.refresh_from_db()
    assert (keep.first_name, keep.mobile, keep.email) == ("Пётр", "+79161234567", "p@alfa.example")
    for label, row in rows.items():
        assert points_to(row, label, keep), label
    log = MergeLog.objects.get()
    assert client.post(reverse("clients:contact_merge_log", args=[log.pk])).status_code == 302
    keep.refresh_from_db()
    assert keep.first_name == ""
    for label, row in rows.items():
        assert points_to(row, label, drop), label
    drop.refresh_from_db()
    assert not drop.is_archived


def test_rows_that_clash_on_an_expression_unique_rule_refuse_the_merge(client, world, pair):
    """Two dealers each with a warehouse «Основной склад» (names are unique per organisation
    whatever their case): the merge is refused with a message, nothing moves or is archived."""
    from crm.stock.models import DealerWarehouse

    keep, drop = pair
    DealerWarehouse.objects.create(organisation=keep, name="Основной склад")
    theirs = DealerWarehouse.objects.create(organisation=drop, name="основной СКЛАД")
    client.force_login(world["manager"])
    with translation.override("ru"):
        response = post_merge(client, keep, drop, name="drop")
    assert response.status_code == 400
    assert "склады дилеров" in response.content.decode().lower()
    theirs.refresh_from_db()
    drop.refresh_from_db()
    assert theirs.organisation_id == drop.pk
    assert not drop.is_archived
    assert not MergeLog.objects.exists()


def test_rows_with_data_of_their_own_that_clash_refuse_the_merge_naming_them(client, world, pair):
    """Both dealers reported the same quarter: which report is right is the user's call, so the
    merge is refused, naming the report, and nothing moves or is removed."""
    from crm.core.periods import Quarter
    from dealers.models import SalesReport

    keep, drop = pair
    quarter = Quarter.of(date(2026, 7, 1))
    SalesReport.objects.create(organisation=keep, quarter_start=quarter.start)
    theirs = SalesReport.objects.create(organisation=drop, quarter_start=quarter.start)
    other = SalesReport.objects.create(organisation=drop, quarter_start=quarter.previous().start)
    client.force_login(world["manager"])
    with translation.override("ru"):
        response = post_merge(client, keep, drop, name="drop")
    assert response.status_code == 400
    page = response.content.decode()
    assert "У обеих записей есть квартальные отчёты о продажах с одинаковым ключом" in page
    assert "III квартал 2026" in page
    for report in (theirs, other):
        report.refresh_from_db()
        assert report.organisation_id == drop.pk
    drop.refresh_from_db()
    assert not drop.is_archived
    assert not MergeLog.objects.exists()
