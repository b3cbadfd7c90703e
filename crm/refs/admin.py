"""Admin of the dictionaries: the geography (country → federal district → region → city)."""

from django.contrib import admin

from crm.refs.models import (
    City,
    ClientCategory,
    ClientType,
    Country,
    FederalDistrict,
    LeadSource,
    Region,
    SalesChannel,
)


class DictionaryAdmin(admin.ModelAdmin):
    list_display = ["name", "external_code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "external_code"]


@admin.register(Country)
class CountryAdmin(DictionaryAdmin):
    list_display = ["name", "iso_code", "external_code", "is_active"]
    search_fields = ["name", "iso_code", "external_code"]


@admin.register(FederalDistrict)
class FederalDistrictAdmin(DictionaryAdmin):
    list_display = ["name", "country", "external_code", "is_active"]
    list_filter = ["is_active", "country"]
    list_select_related = ["country"]
    autocomplete_fields = ["country"]


@admin.register(Region)
class RegionAdmin(DictionaryAdmin):
    list_display = ["code", "name", "district", "external_code", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["is_active", "district"]
    search_fields = ["name", "code", "external_code"]
    list_select_related = ["district"]
    autocomplete_fields = ["district"]
    ordering = ["code"]


@admin.register(City)
class CityAdmin(DictionaryAdmin):
    list_display = ["name", "region", "district", "external_code", "is_active"]
    list_filter = ["is_active", "region__district"]
    search_fields = ["name", "external_code", "region__name", "region__code"]
    list_select_related = ["region__district"]
    autocomplete_fields = ["region"]

    @admin.display(description=FederalDistrict._meta.verbose_name, ordering="region__district")
    def district(self, obj):
        return obj.region.district


for _model in (ClientType, ClientCategory, SalesChannel, LeadSource):
    admin.site.register(_model, DictionaryAdmin)
