"""The geography endpoints: filter by the parent's id, address rows by external code, and
paginate with cursors."""

import pytest

from tests.factories import CityFactory, CountryFactory, FederalDistrictFactory

pytestmark = pytest.mark.django_db


def test_cities_filter_by_region(api_get, raw_key, geography):
    response = api_get("/api/v1/refs/cities/", raw_key, region=geography["moscow"].pk)
    assert response.status_code == 200
    assert [row["name"] for row in response.json()["results"]] == ["Москва", "Зеленоград", "Троицк"]
    assert {row["region_code"] for row in response.json()["results"]} == {"RU-77"}


def test_regions_filter_by_district_and_districts_by_country(api_get, raw_key, geography):
    other = FederalDistrictFactory(country=geography["moscow"].district.country)
    regions = api_get("/api/v1/refs/regions/", raw_key, district=other.pk).json()["results"]
    assert regions == []
    country = CountryFactory()
    districts = api_get("/api/v1/refs/federal-districts/", raw_key, country=country.pk).json()
    assert len(districts["results"]) == 2


def test_a_non_numeric_parent_id_matches_nothing(api_get, raw_key, geography):
    response = api_get("/api/v1/refs/cities/", raw_key, region="RU-77")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_region_is_addressed_by_its_external_code(api_get, raw_key, geography):
    response = api_get("/api/v1/refs/regions/RU-77/", raw_key)
    assert response.status_code == 200
    assert response.json()["name"] == "Москва"
    assert api_get("/api/v1/refs/regions/RU-00/", raw_key).status_code == 404


def test_countries_list(api_get, raw_key, geography):
    response = api_get("/api/v1/refs/countries/", raw_key)
    assert [row["iso_code"] for row in response.json()["results"]] == ["RU"]


def test_lists_paginate_by_cursor_without_gaps_or_repeats(api_get, raw_key, geography):
    CityFactory.create_batch(5, region=geography["tver"])
    seen, url, pages = [], "/api/v1/refs/cities/", 0
    params = {"page_size": 3}
    while url:
        body = api_get(url, raw_key, **params).json()
        assert "count" not in body  # cursors: no COUNT(*) per page
        assert len(body["results"]) <= 3
        seen += [row["id"] for row in body["results"]]
        url, params, pages = body["next"], {}, pages + 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 9
    assert seen == sorted(seen)


def test_page_size_is_capped(api_get, raw_key, geography):
    body = api_get("/api/v1/refs/cities/", raw_key, page_size=100000).json()
    assert len(body["results"]) == 4


def test_a_list_page_costs_a_fixed_number_of_queries(
    api_get, raw_key, geography, django_assert_max_num_queries
):
    CityFactory.create_batch(20, region=geography["tver"])
    # key lookup, last-used update, the page of cities with their regions (select_related)
    with django_assert_max_num_queries(4):
        assert api_get("/api/v1/refs/cities/", raw_key).status_code == 200
