"""The URL map: staff pages, admin, API, health. Every view here is covered by the URL walker
test in tests/security/test_url_walker.py."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("crm.accounts.urls")),
    path("notifications/", include("crm.notifications.urls")),
    path("clients/", include("crm.clients.urls")),
    path("catalog/", include("crm.catalog.urls")),
    path("outlets/", include("crm.outlets.urls")),
    path("approvals/", include("crm.approvals.urls")),
    path("sales/", include("crm.sales.urls")),
    path("stock/", include("crm.stock.urls")),
    path("cabinet/", include("dealers.urls")),
    path("api/v1/", include("crm.core.api.urls")),
    path("", include("crm.core.urls")),
    path("admin/", admin.site.urls),
]
