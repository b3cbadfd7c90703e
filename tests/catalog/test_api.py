"""The catalogue REST API: catalog:read and catalog:write scopes, model permissions, the same
validation as the forms (article unique, series of the brand, no cycles), optimistic locking."""

import pytest

from crm.catalog.models import Product
from crm.core.api.services import api_key_create
from tests.catalog.conftest import grant
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/catalog/products/"
GROUPS = "/api/v1/catalog/groups/"
ITEMS = "/api/v1/catalog/price-list-items/"


@pytest.fixture
def erp(db):
    """The ERP's service user: every catalogue permission."""
    return grant(UserFactory(username="erp"), "view", "add", "change", "delete")


@pytest.fixture
def call(client):
    def run(method, url, key, data=None, **params):
        headers = {"Authorization": f"Api-Key {key}"}
        if method == "get":
            return client.get(url, params, headers=headers)
        return getattr(client, method)(url, data, content_type="application/json", headers=headers)

    return run


def key(user, *scopes):
    return api_key_create(None, name="ERP", user=user, scopes=list(scopes))[1]


def test_read_products_with_the_read_scope(call, erp, catalog):
    response = call("get", PRODUCTS, key(erp, "catalog:read"), ordering="sku")
    assert response.status_code == 200
    assert [row["sku"] for row in response.json()["results"]] == [
        "DO-C-10W40-208",
        "DP-U-5W40-4",
        "OLD-1",
        "TH-12-5",
    ]


def test_find_a_product_by_article_and_by_external_code(call, erp, catalog):
    Product.objects.filter(pk=catalog["classic"].pk).update(external_code="P-0001")
    raw = key(erp, "catalog:read")
    by_sku = call("get", PRODUCTS, raw, sku="TH-12-5").json()["results"]
    assert [row["id"] for row in by_sku] == [catalog["antifreeze"].pk]
    by_code = call("get", PRODUCTS, raw, external_code="P-0001").json()["results"]
    assert [row["id"] for row in by_code] == [catalog["classic"].pk]
    found = call("get", PRODUCTS, raw, search="dp-u").json()["results"]
    assert [row["sku"] for row in found] == ["DP-U-5W40-4"]


def test_a_key_without_the_catalogue_scope_is_refused(call, erp, catalog):
    assert call("get", PRODUCTS, key(erp, "clients:read")).status_code == 403


def test_writing_needs_the_write_scope(call, erp, catalog):
    body = {
        "sku": "API-1",
        "name": "Из ERP",
        "group": catalog["cars"].pk,
        "unit": catalog["piece"].pk,
    }
    assert call("post", PRODUCTS, key(erp, "catalog:read"), body).status_code == 403
    response = call("post", PRODUCTS, key(erp, "catalog:read", "catalog:write"), body)
    assert response.status_code == 201, response.json()
    assert Product.objects.get(sku="API-1").name == "Из ERP"


def test_a_user_without_the_model_permission_is_refused(call, catalog):
    reader = grant(UserFactory(username="erp-reader"), "view")
    body = {"sku": "API-2", "name": "Нет", "group": catalog["cars"].pk, "unit": catalog["piece"].pk}
    raw = key(reader, "catalog:read", "catalog:write")
    assert call("get", PRODUCTS, raw).status_code == 200
    assert call("post", PRODUCTS, raw, body).status_code == 403
    nobody = UserFactory(username="erp-nobody")
    assert call("get", PRODUCTS, key(nobody, "catalog:read")).status_code == 403


def test_a_duplicate_article_is_refused_with_the_field_named(call, erp, catalog):
    body = {
        "sku": "TH-12-5",
        "name": "Дубль",
        "group": catalog["cars"].pk,
        "unit": catalog["piece"].pk,
    }
    response = call("post", PRODUCTS, key(erp, "catalog:read", "catalog:write"), body)
    assert response.status_code == 400
    assert "sku" in response.json()


def test_a_series_of_another_brand_is_refused(call, erp, catalog):
    product = catalog["ultra_4"]
    response = call(
        "patch",
        f"{PRODUCTS}{product.pk}/",
        key(erp, "catalog:read", "catalog:write"),
        {"brand": catalog["other"].pk, "version": product.version},
    )
    assert response.status_code == 400
    assert "series" in response.json()
    product.refresh_from_db()
    assert product.brand_id == catalog["pro"].pk


def test_a_change_needs_the_version_and_a_stale_one_is_409(call, erp, catalog):
    product = catalog["classic"]
    raw = key(erp, "catalog:read", "catalog:write")
    url = f"{PRODUCTS}{product.pk}/"
    assert call("patch", url, raw, {"name": "Без версии"}).status_code == 400
    assert call("patch", url, raw, {"name": "Новое имя", "version": 1}).status_code == 200
    assert call("patch", url, raw, {"name": "Старая версия", "version": 1}).status_code == 409
    product.refresh_from_db()
    assert product.name == "Новое имя"


def test_a_group_cycle_is_refused(call, erp, catalog):
    oils = catalog["oils"]
    response = call(
        "patch",
        f"{GROUPS}{oils.pk}/",
        key(erp, "catalog:read", "catalog:write"),
        {"parent": catalog["synthetic"].pk, "version": oils.version},
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_price_items_of_a_list(call, erp, catalog):
    prices = catalog["dealer_prices"]
    response = call("get", ITEMS, key(erp, "catalog:read"), price_list=prices.pk)
    rows = response.json()["results"]
    assert {row["product"] for row in rows} == {catalog["ultra_4"].pk, catalog["antifreeze"].pk}
    assert {row["price"] for row in rows} == {"2920.00", "990.00"}


def test_a_negative_price_is_refused(call, erp, catalog):
    body = {
        "price_list": catalog["dealer_prices"].pk,
        "product": catalog["classic"].pk,
        "price": "-5",
    }
    response = call("post", ITEMS, key(erp, "catalog:read", "catalog:write"), body)
    assert response.status_code == 400
    assert "price" in response.json()


def test_the_schema_documents_the_catalogue(call, erp, catalog):
    response = call("get", "/api/v1/schema/", key(erp, "catalog:read"))
    assert response.status_code == 200
    assert "/api/v1/catalog/products/" in response.content.decode()
