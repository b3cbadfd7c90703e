"""Staff stock pages under /stock/."""

from django.urls import path

from crm.stock import views

app_name = "stock"
urlpatterns = [
    path("", views.StockBalanceListView.as_view(), name="stockbalance_list"),
    path(
        "organisations/<int:pk>/",
        views.OrganisationStockView.as_view(),
        name="organisation_stock",
    ),
]
