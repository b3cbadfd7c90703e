"""Admin of the geocoding cache: read only, searchable by address; deleting a row forgets it."""

from django.contrib import admin

from integrations.geocoding.models import GeocodeResult


@admin.register(GeocodeResult)
class GeocodeResultAdmin(admin.ModelAdmin):
    list_display = ["query", "provider", "found", "precision", "lat", "lon", "fetched_at"]
    list_filter = ["provider", "found", "precision"]
    search_fields = ["query", "formatted_address"]
    date_hierarchy = "fetched_at"
    readonly_fields = [f.name for f in GeocodeResult._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
