"""The import wizard in a real browser: a regional manager imports an XLSX of outlets from the
outlet list, reads the reported bad row, fixes it, imports again and undoes the import."""

import re
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from crm.accounts.models import OrgUnitKind
from crm.clients.models import Organisation, OrganisationKind
from crm.outlets.models import Outlet
from tests.e2e.conftest import log_in, run_axe
from tests.factories import (
    TEST_PASSWORD,
    OrgUnitFactory,
    PositionFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
DEALER_INN = "7707083893"
HEADER = ["Дилер", "Торговая точка", "Адрес", "Регион", "Площадь"]


def workbook(path: Path, area_of_second: str) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([DEALER_INN, "Салон на Мира", "г. Москва, пр-т Мира, д. 1", "77", "120"])
    sheet.append(
        [DEALER_INN, "Магазин на Тверской", "г. Москва, ул. Тверская, д. 7", "77", area_of_second]
    )
    book.save(path)
    return path


@pytest.fixture
def rita(db):
    moscow = RegionFactory(name="Москва", code="77")
    unit = OrgUnitFactory(name="Регион Москва", kind=OrgUnitKind.REGION)
    unit.regions.add(moscow)
    user = UserFactory(
        username="rita",
        first_name="Рита",
        last_name="Региональная",
        role="regional_manager",
        position=PositionFactory(name="Региональный директор", org_unit=unit, is_head=True),
    )
    # A transactional test may start from a flushed database: grant what the page needs.
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="outlets",
            codename__in=["view_outlet", "add_outlet", "change_outlet", "import_outlet"],
        )
    )
    Organisation.objects.create(
        name="Дилер-Центр",
        kind=OrganisationKind.DEALER,
        inn=DEALER_INN,
        region=moscow,
        owner=user,
    )
    return user


def test_import_fix_import_again_and_undo(page, live_server, rita, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, live_server, "rita", TEST_PASSWORD)
    page.goto(f"{live_server.url}/outlets/")
    page.get_by_role("link", name=re.compile(r"^\s*(Импорт|Import)\s*$")).click()
    page.set_input_files("input[type=file]", str(workbook(tmp_path / "points.xlsx", "много")))
    page.locator("main form.card button.btn-lg[type=submit]").click()
    # Columns were matched by their Russian names; check the file.
    expect(page.locator("select[name=col_4]")).to_have_value("area_sqm")
    page.screenshot(path=str(SHOTS / "import_map.png"), full_page=True)
    page.locator("main form.card button.btn-lg[type=submit]").click()
    errors = page.locator("table.table-sm tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("3")
    expect(errors.first).to_contain_text("Площадь")
    page.screenshot(path=str(SHOTS / "import_errors.png"), full_page=True)
    assert Outlet.objects.count() == 0

    # Fix the row, upload the corrected file, import it.
    page.get_by_role("link", name=re.compile("(Загрузить другой файл|Upload another file)")).click()
    page.set_input_files("input[type=file]", str(workbook(tmp_path / "points2.xlsx", "85")))
    page.locator("main form.card button.btn-lg[type=submit]").click()
    page.locator("main form.card button.btn-lg[type=submit]").click()
    page.locator("form[action$='/confirm/'] button").click()
    expect(page.locator("h1 .badge")).to_have_text(re.compile("(Imported|Импортирован)"))
    assert sorted(Outlet.objects.values_list("name", "area_sqm")) == [
        ("Магазин на Тверской", 85),
        ("Салон на Мира", 120),
    ]
    assert run_axe(page) == []
    page.screenshot(path=str(SHOTS / "import_done.png"), full_page=True)

    # Undo removes what the import created.
    page.locator("form[action$='/undo/'] button").click()
    expect(page.locator("h1 .badge")).to_be_visible()
    assert Outlet.objects.count() == 0
