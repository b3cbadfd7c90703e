"""The OpenAPI schema and the Swagger UI, served from our own static files under our CSP."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_json_with_the_key_scheme(verified_admin):
    response = verified_admin.get("/api/v1/schema/")
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schema["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    for path in ["countries/", "federal-districts/", "regions/", "cities/"]:
        assert f"/api/v1/refs/{path}" in schema["paths"]
    assert "/api/v1/refs/regions/{external_code}/" in schema["paths"]


def test_schema_is_readable_with_any_valid_api_key(api_get, make_key):
    _key, raw = make_key(scopes=[])
    assert api_get("/api/v1/schema/", raw).json()["openapi"].startswith("3.")


def test_schema_is_closed_to_anonymous_and_non_staff(client, logged_in, sales_manager):
    assert client.get("/api/v1/schema/").status_code == 401
    assert logged_in(sales_manager).get("/api/v1/schema/").status_code == 403


def test_swagger_ui_renders_for_an_admin_from_local_static_files(verified_admin):
    response = verified_admin.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert all(a.startswith("/static/") or a.startswith("/api/v1/docs/") for a in assets), assets
    assert "<script>" not in html
    assert "<style" not in html  # the page obeys CSP: no inline script or style


def test_swagger_init_script_is_served_as_javascript(verified_admin):
    response = verified_admin.get("/api/v1/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.content.decode()


def test_swagger_static_assets_are_installed_locally(verified_admin, settings):
    html = verified_admin.get("/api/v1/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert len(urls) == 5  # favicon, Swagger CSS, our CSS, bundle, preset
    for url in urls:
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url


def test_swagger_ui_sends_sales_staff_and_visitors_to_the_login_page(
    client, logged_in, sales_manager
):
    assert client.get("/api/v1/docs/")["Location"].startswith("/login/")
    assert logged_in(sales_manager).get("/api/v1/docs/").status_code == 302


def test_the_admin_nav_links_to_the_api_docs(verified_admin):
    html = verified_admin.get("/").content.decode()
    assert 'href="/api/v1/docs/"' in html
