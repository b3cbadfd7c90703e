"""Admin of the dictionaries."""

from django.contrib import admin

from crm.refs.models import City, Country, FederalDistrict, Region


class DictionaryAdmin(admin.ModelAdmin):
    list_display = ["name", "external_code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "external_code"]


@admin.register(Country)
class CountryAdmin(DictionaryAdmin):
    list_display = ["name", "iso_code", "external_code", "is_active"]


@admin.register(FederalDistrict)
class FederalDistrictAdmin(DictionaryAdmin):
    list_display = ["name", "country", "external_code", "is_active"]
    list_select_related = ["country"]


@admin.register(Region)
class RegionAdmin(DictionaryAdmin):
    list_display = ["name", "code", "district", "external_code", "is_active"]
    list_filter = ["is_active", "district"]
    search_fields = ["name", "code", "external_code"]
    list_select_related = ["district"]


@admin.register(City)
class CityAdmin(DictionaryAdmin):
    list_display = ["name", "region", "external_code", "is_active"]
    list_filter = ["is_active", "region__district"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
