"""seed_demo builds geography, the org structure and one user per role, and is idempotent;
demo_users prints the logins for the smoke test."""

import base64
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.accounts.models import OrgUnit, OrgUnitKind, User
from crm.accounts.roles import ALL_ROLES, role_label
from crm.refs import data
from crm.refs.models import City, FederalDistrict, Region

# The demo is seeded once for the module (tests/conftest.py demo_module); each test runs it
# again on top, which is also the second run every seed must survive unchanged.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_module")]

# Our apps plus the third-party tables the seed writes to (roles, TOTP devices, beat schedules).
COUNTED_APPS = {"accounts", "refs", "core", "notifications", "auth", "otp_totp", "pghistory"}
COUNTED_APPS |= {"clients"}
COUNTED_APPS |= {"django_celery_beat"}
DEMO_USERNAMES = {
    "admin",
    "head",
    "regional",
    "manager",
    "manager2",
    "manager3",
    "marketer",
    "approver",
    "analyst",
    "dealer",
    "subdealer",
    "auditor",
    "contractor",
}


def demo_users():
    return User.objects.filter(username__in=DEMO_USERNAMES)


def row_counts() -> dict[str, int]:
    """Rows in every table of the counted apps, the audit trail's event tables included."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in COUNTED_APPS and model._meta.managed and not model._meta.proxy
    }


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_running_seed_demo_twice_creates_and_changes_nothing():
    seed(quiet=True)
    first = row_counts()
    assert User.objects.filter(username__in=DEMO_USERNAMES).count() == len(DEMO_USERNAMES)
    assert first["accounts.UserEvent"] > 0  # the audit trail recorded the first run
    seed(quiet=True)
    assert row_counts() == first


def test_full_scale_adds_the_benchmark_rows_once(monkeypatch):
    from crm.clients import demo as clients_demo
    from crm.outlets import demo as outlets_demo
    from crm.outlets.models import Outlet

    sizes = {"organisations": 300, "contacts": 900, "interactions": 300}
    monkeypatch.setattr(clients_demo, "BENCH_SIZES", {**sizes, "bank_accounts": 200, "users": 5})
    monkeypatch.setattr(outlets_demo, "BENCH_OUTLETS", 700)  # 600,000 in the product
    seed(quiet=True, scale="ci")
    ci, ci_outlets = row_counts(), Outlet.objects.count()
    seed(quiet=True, scale="full")
    full = row_counts()
    assert full["clients.Organisation"] == ci["clients.Organisation"] + 300
    assert full["clients.Contact"] == ci["clients.Contact"] + 900
    assert full["accounts.User"] == ci["accounts.User"] + 5
    assert Outlet.objects.count() == ci_outlets + 700
    seed(quiet=True, scale="full")
    assert row_counts() == full


def test_every_role_has_its_demo_user_with_the_demo_password(settings):
    seed(quiet=True)
    assert set(demo_users().values_list("username", flat=True)) == DEMO_USERNAMES
    for role in ALL_ROLES:
        users = User.objects.filter(groups__name=role)
        assert users.exists(), role
        for user in users:
            assert user.check_password(settings.DEMO_PASSWORD), user.username
            assert user.get_full_name().count(" ") == 2  # last, first and middle name
            assert user.email


def test_only_the_administrator_gets_the_admin_site():
    seed(quiet=True)
    admin = User.objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser
    assert list(demo_users().filter(is_staff=True).values_list("username", flat=True)) == ["admin"]


def test_users_who_need_a_second_factor_get_a_confirmed_demo_device(settings):
    seed(quiet=True)
    devices = TOTPDevice.objects.select_related("user")
    assert {d.user.username for d in devices} == {"admin", "auditor"}
    for device in devices:
        assert device.confirmed
        assert device.key == settings.DEMO_TOTP_SECRET_HEX
        assert device.user.requires_second_factor
    for user in demo_users().exclude(username__in=["admin", "auditor"]):
        assert not user.requires_second_factor, user.username


def test_staff_have_positions_and_the_line_manager_chain_is_set():
    seed(quiet=True)
    manager = User.objects.get(username="manager")
    assert manager.manager.username == "regional"
    assert manager.manager.manager.username == "head"
    assert manager.org_unit.kind == OrgUnitKind.OFFICE
    assert manager.manager.org_unit.kind == OrgUnitKind.REGION
    assert User.objects.filter(manager__username="regional").count() >= 3  # a team to show
    for username in ["dealer", "subdealer", "auditor", "contractor"]:
        assert User.objects.get(username=username).position is None
    outside = ["dealer", "subdealer", "auditor", "contractor"]
    for user in demo_users().exclude(username__in=outside):
        assert user.position is not None, user.username


def test_org_structure_is_a_company_tree_with_regions_covering_geography():
    seed(quiet=True)
    company = OrgUnit.objects.get(parent=None)
    assert company.name == "ООО «Демо-Смазки»"
    assert company.kind == OrgUnitKind.COMPANY
    macro = OrgUnit.objects.filter(parent=company, kind=OrgUnitKind.MACRO_REGION)
    assert macro.count() == 3
    for region_unit in OrgUnit.objects.filter(kind=OrgUnitKind.REGION):
        assert region_unit.parent.kind == OrgUnitKind.MACRO_REGION
        assert region_unit.regions.count() >= 2, region_unit.name
    moscow = OrgUnit.objects.get(name="Москва и область")
    assert set(moscow.regions.values_list("code", flat=True)) == {"77", "50"}


def test_geography_has_every_subject_with_its_code_district_and_capital():
    seed(quiet=True)
    assert FederalDistrict.objects.count() == 8
    assert Region.objects.count() == 89
    expected = {
        "77": ("Москва", "RU-FD-CFO", "Москва"),
        "78": ("Санкт-Петербург", "RU-FD-SZFO", "Санкт-Петербург"),
        "50": ("Московская область", "RU-FD-CFO", "Красногорск"),
        "54": ("Новосибирская область", "RU-FD-SFO", "Новосибирск"),
        "16": ("Республика Татарстан", "RU-FD-PFO", "Казань"),
        "25": ("Приморский край", "RU-FD-DFO", "Владивосток"),
        "91": ("Республика Крым", "RU-FD-YUFO", "Симферополь"),
    }
    for code, (name, district, capital) in expected.items():
        region = Region.objects.select_related("district").get(code=code)
        assert (region.name, region.district.external_code) == (name, district)
        assert region.external_code == f"RU-{code}"
        assert region.cities.filter(name=capital).exists()
    assert City.objects.get(external_code="RU-77-MOSKVA").region.code == "77"
    assert not Region.objects.filter(cities__isnull=True).exists()


def test_geography_file_is_consistent():
    geo = data.geography()
    districts = {d["external_code"] for d in geo["federal_districts"]}
    codes = [r["code"] for r in geo["regions"]]
    assert len(codes) == len(set(codes)) == 89
    assert all(len(code) == 2 and code.isdigit() for code in codes)
    city_codes = [c["external_code"] for r in geo["regions"] for c in r["cities"]]
    assert len(city_codes) == len(set(city_codes))
    for region in geo["regions"]:
        assert region["federal_district"] in districts
        assert region["cities"][0].get("capital") is True
        assert sum(c.get("capital", False) for c in region["cities"]) == 1


def test_seed_demo_prints_the_logins_with_the_base32_totp_secret(settings):
    output = seed()
    secret = base64.b32encode(bytes.fromhex(settings.DEMO_TOTP_SECRET_HEX)).decode().rstrip("=")
    lines = {line.split()[0]: line for line in output.splitlines() if line.strip()}
    for username in DEMO_USERNAMES:
        assert settings.DEMO_PASSWORD in lines[username]
    assert lines["admin"].endswith(secret)
    assert lines["auditor"].endswith(secret)
    assert secret not in lines["manager"]
    assert str(role_label("head_of_sales")) in lines["head"]


def test_the_printed_secret_gives_the_codes_the_device_accepts(settings):
    seed(quiet=True)
    admin_line = next(line for line in seed().splitlines() if line.startswith("admin "))
    printed = admin_line.split()[-1]
    secret = base64.b32decode(printed + "=" * (-len(printed) % 8))
    device = TOTPDevice.objects.get(user__username="auditor")
    code = TOTP(secret, device.step, device.t0, device.digits, device.drift).token()
    assert device.verify_token(f"{code:06d}")


def test_quiet_prints_nothing():
    assert seed(quiet=True) == ""


def test_demo_users_prints_json_for_the_smoke_test(settings):
    seed(quiet=True)
    out = StringIO()
    call_command("demo_users", json=True, stdout=out)
    entries = json.loads(out.getvalue())
    assert {e["username"] for e in entries} == DEMO_USERNAMES
    for entry in entries:
        assert set(entry) == {"username", "password", "role", "totp_secret_hex"}
        assert entry["password"] == settings.DEMO_PASSWORD
        assert entry["role"] in ALL_ROLES
        user = User.objects.get(username=entry["username"])
        assert entry["role"] in user.role_codes
        if user.requires_second_factor:
            assert entry["totp_secret_hex"] == settings.DEMO_TOTP_SECRET_HEX
        else:
            assert entry["totp_secret_hex"] is None


def test_the_demo_sync_with_its_1c_duplicates_and_changes_nothing():
    from crm.clients.models import Organisation
    from integrations.onec.models import Mapping, RunStatus, SyncRun

    seed(quiet=True)
    runs = SyncRun.objects.all()
    assert runs.count() == Mapping.objects.filter(enabled=True).count() >= 10
    assert set(runs.values_list("status", flat=True)) == {RunStatus.DONE}, list(
        runs.values("entity", "message")
    )
    assert sum(runs.values_list("rejected", flat=True)) == 0, [r.errors for r in runs]
    assert sum(runs.values_list("updated", flat=True)) == 0
    orgs = runs.get(entity="organisations")
    assert orgs.inserted == 5  # the base's own counterparties the CRM did not have
    assert orgs.fetched == Organisation.objects.exclude(erp_key="").count()
    assert sum(runs.values_list("fetched", flat=True)) > 1500
    from crm.clients.models import OrganisationStatus
    from crm.core.choices import Source
    from crm.sales.models import SalesLine

    sales = runs.get(entity="sales_documents")
    erp = SalesLine.objects.filter(source=Source.ERP)
    assert sales.inserted == erp.filter(amount__gt=0).count() > 1000
    assert erp.filter(amount__lt=0).exists()  # returns
    assert Organisation.objects.filter(status=OrganisationStatus.CHURNED).count() > 50
    total = Organisation.objects.count()
    seed(quiet=True)
    assert Organisation.objects.count() == total
    assert SyncRun.objects.count() == runs.count()  # idempotent: no second demo run


def test_demo_outlets_are_named_after_the_dealer_without_quotes_in_quotes():
    from crm.outlets.models import Outlet

    names = list(Outlet.objects.values_list("name", flat=True))
    assert names
    assert not [n for n in names if "»»" in n or "««" in n]
    assert any("«Сервис-Ойл»" in n for n in names)
