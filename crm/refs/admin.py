"""Admin of the dictionaries: the geography (country → federal district → region → city), the
plain named dictionaries, units of measure, banks, payment forms and warehouses."""

from django.contrib import admin
from django.urls import reverse

from crm.refs.models import (
    Bank,
    City,
    ClientCategory,
    ClientType,
    Country,
    FederalDistrict,
    LeadSource,
    OutletFormat,
    PaymentForm,
    Region,
    SalesChannel,
    UnitOfMeasure,
    Warehouse,
)


class DictionaryAdmin(admin.ModelAdmin):
    list_display = ["name", "external_code", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "external_code"]
    change_list_template = "admin/refs/dictionary_change_list.html"

    def changelist_view(self, request, extra_context=None):
        """The list with an "Import from a file" button (the import wizard) for those who may."""
        from crm.core.imports import registry

        spec = registry.get(self.opts.label_lower)
        if spec is not None and request.user.has_perm(spec.permission):
            url = reverse("core:import_upload") + "?model=" + self.opts.label_lower
            extra_context = {**(extra_context or {}), "import_url": url}
        return super().changelist_view(request, extra_context)


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


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(DictionaryAdmin):
    list_display = ["code", "symbol", "name", "external_code", "is_active"]
    list_display_links = ["code", "symbol"]
    search_fields = ["name", "symbol", "code", "external_code"]
    ordering = ["code"]


@admin.register(Bank)
class BankAdmin(DictionaryAdmin):
    list_display = ["bik", "name", "city", "corr_account", "external_code", "is_active"]
    list_display_links = ["bik", "name"]
    search_fields = ["name", "bik", "external_code"]
    list_select_related = ["city"]
    autocomplete_fields = ["city"]


@admin.register(PaymentForm)
class PaymentFormAdmin(DictionaryAdmin):
    list_display = ["name", "bank", "external_code", "is_active"]
    list_filter = ["is_active", "bank"]
    list_select_related = ["bank"]
    autocomplete_fields = ["bank"]


@admin.register(Warehouse)
class WarehouseAdmin(DictionaryAdmin):
    list_display = ["name", "city", "address", "external_code", "is_active"]
    search_fields = ["name", "address", "external_code", "city__name"]
    list_select_related = ["city"]
    autocomplete_fields = ["city"]


for _model in (ClientType, ClientCategory, SalesChannel, LeadSource, OutletFormat):
    admin.site.register(_model, DictionaryAdmin)
