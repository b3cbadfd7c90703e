"""The dealer cabinet, under /cabinet/ (every view is a dealers.views.CabinetView)."""

from django.urls import include, path

from dealers import views

app_name = "dealers"

urlpatterns = [
    path("", views.CabinetHomeView.as_view(), name="home"),
    path("reports/<int:year>/<int:number>/", views.ReportView.as_view(), name="salesreport_edit"),
    path("sales/", views.SaleEntryListView.as_view(), name="saleentry_list"),
    path("sales/new/", views.SaleEntryCreateView.as_view(), name="saleentry_create"),
    path("sales/<int:pk>/delete/", views.SaleEntryDeleteView.as_view(), name="saleentry_delete"),
    path("outlets/", views.OutletListView.as_view(), name="outlet_list"),
    path("outlets/<int:pk>/", views.OutletDetailView.as_view(), name="outlet_detail"),
    path("", include("dealers.more_urls")),
    path("stock/", include("crm.stock.cabinet_urls")),
]
