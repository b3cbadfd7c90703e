"""Admin changelists of people, org structure and geography: no query per row, filters and
search work, roles show their translated names."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.accounts.models import OrgUnitKind
from crm.accounts.roles import role_label
from tests.factories import (
    CityFactory,
    OrgUnitFactory,
    PositionFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ["accounts_user", "accounts_orgunit", "accounts_position", "refs_region", "refs_city"]


@pytest.fixture
def admin_client(admin_user, logged_in):
    return logged_in(admin_user)


def add_rows(count: int) -> None:
    """`count` rows in every list, each with its related rows (the N+1 bait)."""
    for _ in range(count):
        parent = OrgUnitFactory(kind=OrgUnitKind.REGION)
        unit = OrgUnitFactory(parent=parent)
        unit.regions.add(RegionFactory())
        boss = UserFactory(position=PositionFactory(org_unit=unit), role="regional_manager")
        UserFactory(position=PositionFactory(org_unit=unit), manager=boss, role="sales_manager")
        CityFactory(region=RegionFactory())


def queries_for(client, name, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(30) as captured:
        response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", LISTS)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, name, django_assert_max_num_queries
):
    add_rows(2)
    few = queries_for(admin_client, name, django_assert_max_num_queries)
    add_rows(10)
    many = queries_for(admin_client, name, django_assert_max_num_queries)
    assert many == few, f"{name}: {few} queries with few rows, {many} with many"


def test_user_list_shows_translated_roles_and_filters_by_role(admin_client):
    manager = UserFactory(username="olga", role="sales_manager")
    UserFactory(username="viktor", role="dealer")
    group = Group.objects.get(name="sales_manager")
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"role": group.pk})
    html = response.content.decode()
    assert manager.username in html
    assert "viktor" not in html
    assert str(role_label("sales_manager")) in html


def test_user_search_finds_by_middle_name_and_email(admin_client):
    UserFactory(username="pavlov", middle_name="Андреевич", email="i.pavlov@example.com")
    UserFactory(username="other")
    url = reverse("admin:accounts_user_changelist")
    for term in ["Андреевич", "i.pavlov@"]:
        html = admin_client.get(url, {"q": term}).content.decode()
        assert "pavlov" in html
        assert ">other<" not in html


def test_user_list_filters_by_org_unit_of_the_position(admin_client):
    unit = OrgUnitFactory(name="Офис «Тверь»")
    UserFactory(username="tver-manager", position=PositionFactory(org_unit=unit))
    UserFactory(username="elsewhere", position=PositionFactory())
    url = reverse("admin:accounts_user_changelist")
    html = admin_client.get(url, {"position__org_unit__id__exact": unit.pk}).content.decode()
    assert "tver-manager" in html
    assert "elsewhere" not in html


def test_user_change_page_has_the_company_and_preference_fields(admin_client):
    user = UserFactory()
    html = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content
    for field in [
        "middle_name",
        "position",
        "manager",
        "language",
        "time_zone",
        "notification_email",
        "digest_enabled",
    ]:
        assert f'name="{field}"'.encode() in html, field


def test_org_unit_page_edits_regions_side_by_side(admin_client):
    unit = OrgUnitFactory()
    html = admin_client.get(reverse("admin:accounts_orgunit_change", args=[unit.pk])).content
    assert b"selectfilter" in html  # filter_horizontal widget


def test_org_units_filter_by_kind(admin_client):
    OrgUnitFactory(name="Макрорегион «Юг»", kind=OrgUnitKind.MACRO_REGION)
    OrgUnitFactory(name="Офис «Сочи»", kind=OrgUnitKind.OFFICE)
    url = reverse("admin:accounts_orgunit_changelist")
    html = admin_client.get(url, {"kind__exact": "macro_region"}).content.decode()
    assert "Макрорегион «Юг»" in html
    assert "Офис «Сочи»" not in html


def test_regions_search_by_code(admin_client):
    RegionFactory(name="Тверская область", code="69")
    RegionFactory(name="Тульская область", code="71")
    html = admin_client.get(reverse("admin:refs_region_changelist"), {"q": "69"}).content
    assert "Тверская область" in html.decode()
    assert "Тульская область" not in html.decode()


def test_role_list_shows_translated_labels(admin_client):
    UserFactory(role="regional_manager")
    html = admin_client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert str(role_label("regional_manager")) in html
