"""The wizard imports products, the rest of the catalogue and the reference dictionaries:
matched by ERP key or their own natural key, re-runs change nothing, bad rows are named, and
only holders of the import permission may do it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup, Series
from crm.core.imports import registry, services
from crm.core.imports.models import ImportStatus
from crm.refs.models import Bank, Region, SalesChannel, UnitOfMeasure
from tests.factories import UserFactory
from tests.imports.conftest import csv_bytes, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def imported(user, label, rows, *, name="f.csv", content=None):
    content = content if content is not None else csv_bytes(rows)
    job = services.import_upload(user, spec=registry.get(label), upload=upload(name, content))
    services.import_check(user, job=job)
    if job.status == ImportStatus.CHECKED:
        services.import_apply(user, job=job)
    return job


def counts(job):
    return job.created_count, job.updated_count, job.unchanged_count


@pytest.fixture
def head(world):
    """The head of sales: the role's defaults include importing the catalogue."""
    return world["head"]


@pytest.fixture
def admin(world):
    """An administrator (not a superuser): the role's defaults include the dictionaries."""
    return UserFactory(username="admin-role", role="administrator")


@pytest.fixture
def catalogue(db):
    unit = UnitOfMeasure.objects.get_or_create(
        code="796", defaults={"name": "Штука", "symbol": "шт"}
    )[0]
    tools = ProductGroup.objects.create(name="Инструмент", external_code="G-1")
    return {"unit": unit, "tools": tools}


def test_products_import_by_sku_then_by_erp_key_and_a_rerun_changes_nothing(head, catalogue):
    brand = Brand.objects.create(name="Сибиряк")
    Series.objects.create(brand=brand, name="Профи")
    rows = [
        ["Артикул", "Наименование", "Группа", "Бренд", "Серия", "Ед. изм.", "Штрихкод"],
        ["SB-100", "Дрель ударная", "Инструмент", "Сибиряк", "Профи", "796", "4600000000017"],
        ["SB-200", "Шуруповёрт", "G-1", "", "", "шт", ""],
    ]
    job = imported(head, "catalog.product", rows)
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    assert counts(job) == (2, 0, 0)
    drill = Product.objects.get(sku="SB-100")
    assert (drill.group, drill.unit, drill.brand.name, drill.series.name) == (
        catalogue["tools"],
        catalogue["unit"],
        "Сибиряк",
        "Профи",
    )
    again = imported(head, "catalog.product", rows)
    assert counts(again) == (0, 0, 2)
    renamed = imported(
        head,
        "catalog.product",
        [["Код 1С", "Артикул", "Наименование"], ["P-1", "SB-100", "Дрель ударная 800 Вт"]],
    )
    assert counts(renamed) == (0, 1, 0)
    drill.refresh_from_db()
    assert (drill.external_code, drill.name) == ("P-1", "Дрель ударная 800 Вт")


def test_a_bad_product_row_is_named_and_nothing_is_written(head, catalogue):
    rows = [
        ["Артикул", "Наименование", "Группа", "Ед. изм.", "Штрихкод"],
        ["SB-300", "Перфоратор", "Инструмент", "796", ""],
        ["SB-301", "Болгарка", "Нет такой группы", "796", ""],
        ["SB-302", "Лобзик", "Инструмент", "796", "46OOOO"],
    ]
    job = imported(head, "catalog.product", rows)
    assert job.status == ImportStatus.FAILED
    by_row = {(e["row"], e["column"]) for e in job.errors}
    assert (3, "Группа") in by_row
    assert (4, "Штрихкод") in by_row
    assert not Product.objects.filter(sku__startswith="SB-3").exists()


def test_groups_brands_series_and_prices_import(head, catalogue):
    groups = imported(
        head,
        "catalog.productgroup",
        [["Наименование", "Родитель", "Код 1С"], ["Дрели", "Инструмент", "G-2"]],
    )
    assert groups.status == ImportStatus.DONE, groups.errors
    assert ProductGroup.objects.get(external_code="G-2").parent == catalogue["tools"]
    brands = imported(head, "catalog.brand", [["Бренд"], ["Сибиряк"], ["Уралец"]])
    assert counts(brands) == (2, 0, 0)
    series = imported(head, "catalog.series", [["Бренд", "Серия"], ["Уралец", "Мастер"]])
    assert Series.objects.get(name="Мастер").brand.name == "Уралец"
    assert counts(series) == (1, 0, 0)
    product = Product.objects.create(
        sku="U-1", name="Рубанок", group=catalogue["tools"], unit=catalogue["unit"]
    )
    price_list = PriceList.objects.create(name="Опт")
    prices = imported(
        head,
        "catalog.pricelistitem",
        [["Прайс-лист", "Артикул", "Цена"], ["Опт", "U-1", "1 234,50"]],
    )
    assert prices.status == ImportStatus.DONE, prices.errors
    assert PriceListItem.objects.get(price_list=price_list, product=product).price == Decimal(
        "1234.50"
    )
    cheaper = imported(
        head,
        "catalog.pricelistitem",
        [["Прайс-лист", "Артикул", "Цена"], ["Опт", "U-1", "999"]],
        name="p.xlsx",
        content=xlsx_bytes([["Прайс-лист", "Артикул", "Цена"], ["Опт", "U-1", 999]]),
    )
    assert counts(cheaper) == (0, 1, 0)
    assert PriceListItem.objects.get(product=product).price == Decimal("999")


def test_dictionaries_import_for_administrators_only(world, admin, logged_in):
    rows = [["Наименование", "Код 1С"], ["Интернет-магазин", "SC-1"], ["Дилеры", "SC-2"]]
    job = imported(admin, "refs.saleschannel", rows)
    assert job.status == ImportStatus.DONE, (job.errors, job.message)
    assert set(
        SalesChannel.objects.filter(external_code__startswith="SC-").values_list("name", flat=True)
    ) == {"Интернет-магазин", "Дилеры"}
    assert counts(imported(admin, "refs.saleschannel", rows)) == (0, 0, 2)
    # A manager reads dictionaries but may not import them: the wizard does not offer them.
    manager = world["manager"]
    assert registry.get("refs.saleschannel") not in registry.specs_for(manager)
    response = logged_in(manager).get(reverse("core:import_upload") + "?model=refs.saleschannel")
    assert response.status_code in (403, 404)


def test_banks_import_by_bik_with_the_check_of_the_correspondent_account(admin):
    rows = [
        ["Банк", "БИК", "Корр. счёт"],
        ["ПАО Сбербанк", "04 452 5225", "30101810400000000225"],
        ["Банк с опечаткой", "044030225", "30101810400000000225"],
    ]
    job = imported(admin, "refs.bank", rows)
    assert job.status == ImportStatus.FAILED
    assert {e["row"] for e in job.errors} == {3}
    assert not Bank.objects.filter(bik="044525225").exists()
    job = imported(admin, "refs.bank", rows[:2])
    assert job.status == ImportStatus.DONE, job.errors
    assert Bank.objects.get(bik="044525225").name == "ПАО Сбербанк"


def test_regions_are_matched_by_their_code(world, admin):
    region = world["regions"]["77"]
    job = imported(admin, "refs.region", [["Код региона", "Наименование"], ["77", "г. Москва"]])
    assert job.status == ImportStatus.DONE, job.errors
    assert counts(job) == (0, 1, 0)
    assert Region.objects.get(pk=region.pk).name == "г. Москва"


def test_the_dictionary_admin_links_to_the_wizard(logged_in, admin_user):
    admin_client = logged_in(admin_user)
    page = admin_client.get(reverse("admin:refs_region_changelist"))
    link = reverse("core:import_upload") + "?model=refs.region"
    assert link in page.content.decode()
    assert admin_client.get(link).status_code == 200
