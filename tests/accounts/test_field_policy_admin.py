"""Administrators edit field policies as a matrix and browse the export log."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from crm.accounts.models import FieldAccess, FieldPolicy, User
from crm.accounts.roles import ALL_ROLES
from crm.clients.models import Organisation
from crm.core import access
from crm.core.access import FieldLevel
from crm.core.models import ExportLog, ExportStatus
from tests.factories import PositionFactory

pytestmark = pytest.mark.django_db

MODEL = "clients.organisation"
MATRIX_URL = reverse("admin:accounts_fieldpolicy_matrix")


@pytest.fixture
def admin_client(admin_user, logged_in):
    return logged_in(admin_user)


def matrix_data(model_cls=Organisation, positions=(), **cells) -> dict:
    """A full matrix POST built from the database, with ``cells`` ({name: level}) changed."""
    label = model_cls._meta.label_lower
    fields = [f.name for f in access.rule_for(model_cls).governed_fields()]
    current = {}
    for field, role, position, level in FieldPolicy.objects.filter(model=label).values_list(
        "field", "role__name", "position_id", "access"
    ):
        key = f"cell:{field}:role:{role}" if role else f"cell:{field}:position:{position}"
        current[key] = str(level)
    data = {"model": label, "positions": [str(p) for p in positions]}
    roles = Group.objects.filter(name__in=ALL_ROLES).values_list("name", flat=True)
    for field in fields:
        for role in roles:
            data[f"cell:{field}:role:{role}"] = current.get(f"cell:{field}:role:{role}", "")
        for position in positions:
            key = f"cell:{field}:position:{position}"
            data[key] = current.get(key, "")
    for name, value in cells.items():
        data[name] = "" if value is None else str(int(value))
    return data


def levels_for(user_pk):
    user = User.objects.get(pk=user_pk)  # a fresh object: levels are cached on the user
    return access.field_levels(user, Organisation)


def test_the_changelist_links_to_the_matrix(admin_client):
    response = admin_client.get(reverse("admin:accounts_fieldpolicy_changelist"))
    assert response.status_code == 200
    assert MATRIX_URL in response.content.decode()


def test_the_matrix_page_shows_fields_and_roles(admin_client, django_assert_max_num_queries):
    position = PositionFactory()
    FieldPolicy.objects.create(
        model=MODEL, field="inn", position=position, access=FieldAccess.READ_ONLY
    )
    with django_assert_max_num_queries(15):
        response = admin_client.get(MATRIX_URL, {"model": MODEL})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="cell:inn:role:sales_manager"' in page
    assert f'name="cell:inn:position:{position.pk}"' in page  # a position with policies shows
    assert len(response.context["role_columns"]) == len(ALL_ROLES)
    assert "style=" not in page
    assert "<script>" not in page


def test_saving_a_cell_creates_the_policy_and_hides_the_field(admin_client, sales_manager):
    assert levels_for(sales_manager.pk)["inn"] == FieldLevel.EDITABLE
    response = admin_client.post(
        MATRIX_URL, matrix_data(**{"cell:inn:role:sales_manager": FieldAccess.HIDDEN})
    )
    assert response.status_code == 302
    assert response["Location"].startswith(MATRIX_URL)
    policy = FieldPolicy.objects.get(model=MODEL, field="inn", role__name="sales_manager")
    assert policy.access == FieldAccess.HIDDEN
    assert FieldPolicy.objects.count() == 1
    assert levels_for(sales_manager.pk)["inn"] == FieldLevel.HIDDEN
    page = admin_client.get(response["Location"])
    assert "Политики полей сохранены, изменений: 1" in [str(m) for m in page.context["messages"]]


def test_the_stricter_of_role_and_position_wins(admin_client, sales_manager):
    position = PositionFactory()
    sales_manager.position = position
    sales_manager.save()
    admin_client.post(
        MATRIX_URL,
        matrix_data(
            positions=[position.pk],
            **{
                "cell:inn:role:sales_manager": FieldAccess.EDITABLE,
                f"cell:inn:position:{position.pk}": FieldAccess.READ_ONLY,
                "cell:kpp:role:sales_manager": FieldAccess.HIDDEN,
                f"cell:kpp:position:{position.pk}": FieldAccess.EDITABLE,
            },
        ),
    )
    assert FieldPolicy.objects.count() == 4
    levels = levels_for(sales_manager.pk)
    assert levels["inn"] == FieldLevel.READ_ONLY
    assert levels["kpp"] == FieldLevel.HIDDEN


def test_clearing_a_cell_deletes_the_row(admin_client):
    FieldPolicy.objects.create(
        model=MODEL,
        field="inn",
        role=Group.objects.get(name="sales_manager"),
        access=FieldAccess.HIDDEN,
    )
    response = admin_client.post(MATRIX_URL, matrix_data(**{"cell:inn:role:sales_manager": None}))
    assert response.status_code == 302
    assert not FieldPolicy.objects.exists()


def test_a_position_not_on_the_page_keeps_its_policies(admin_client):
    position = PositionFactory()
    FieldPolicy.objects.create(
        model=MODEL, field="inn", position=position, access=FieldAccess.HIDDEN
    )
    admin_client.post(MATRIX_URL, matrix_data(**{"cell:kpp:role:analyst": FieldAccess.HIDDEN}))
    assert FieldPolicy.objects.filter(position=position).exists()


@pytest.mark.parametrize(
    "tamper",
    [
        {"cell:no_such_field:role:sales_manager": "0"},
        {"cell:inn:role:no_such_role": "0"},
        {"cell:inn:role:sales_manager": "7"},
        {"model": "auth.user"},
    ],
)
def test_a_tampered_matrix_is_refused_and_nothing_is_written(admin_client, tamper):
    data = matrix_data(**{"cell:inn:role:sales_manager": FieldAccess.HIDDEN})
    data.update(tamper)
    response = admin_client.post(MATRIX_URL, data)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not FieldPolicy.objects.exists()


def test_an_incomplete_matrix_is_refused(admin_client):
    data = matrix_data(**{"cell:inn:role:sales_manager": FieldAccess.HIDDEN})
    del data["cell:kpp:role:analyst"]
    response = admin_client.post(MATRIX_URL, data)
    assert response.status_code == 200
    assert not FieldPolicy.objects.exists()


def test_a_sales_manager_cannot_reach_the_matrix(client, sales_manager):
    client.force_login(sales_manager)
    response = client.get(MATRIX_URL, {"model": MODEL})
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(
        MATRIX_URL, matrix_data(**{"cell:inn:role:sales_manager": FieldAccess.EDITABLE})
    )
    assert response.status_code in (302, 403)
    assert not FieldPolicy.objects.exists()


def test_the_export_log_is_listed_read_only(admin_client, admin_user):
    entry = ExportLog.objects.create(
        user=admin_user,
        model=MODEL,
        file_format="xlsx",
        rows=42,
        sha256="ab" * 32,
        status=ExportStatus.DONE,
    )
    response = admin_client.get(reverse("admin:core_exportlog_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "abababababab" in page
    assert reverse("admin:core_exportlog_add") not in page
    assert "delete_selected" not in page
    assert admin_client.get(reverse("admin:core_exportlog_add")).status_code == 403
    delete_url = reverse("admin:core_exportlog_delete", args=[entry.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert ExportLog.objects.filter(pk=entry.pk).exists()
    detail = admin_client.get(reverse("admin:core_exportlog_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()


def test_the_user_page_sets_the_export_quota(admin_client, sales_manager):
    response = admin_client.get(reverse("admin:accounts_user_change", args=[sales_manager.pk]))
    assert response.status_code == 200
    assert 'name="export_daily_rows"' in response.content.decode()
