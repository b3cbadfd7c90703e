"""Admin of dealers' stock: administrators may fix a warehouse (its name, its organisation);
balances are read-only here (dealers state them in the cabinet, the history keeps who)."""

from django.contrib import admin

from crm.stock.models import DealerWarehouse, StockBalance


@admin.register(DealerWarehouse)
class DealerWarehouseAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "address", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "organisation__name"]
    raw_id_fields = ["organisation"]
    list_select_related = ["organisation"]
    readonly_fields = ["version", "created_at", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # make it inactive: balances and history point to it


@admin.register(StockBalance)
class StockBalanceAdmin(admin.ModelAdmin):
    list_display = ["warehouse", "organisation", "product", "quantity", "as_of", "source"]
    list_filter = ["source", "as_of"]
    search_fields = ["warehouse__name", "organisation__name", "product__sku", "product__name"]
    list_select_related = ["warehouse", "organisation", "product"]
    raw_id_fields = ["warehouse", "product"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
