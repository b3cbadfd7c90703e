"""Cabinet stock pages (included by dealers.urls under /cabinet/stock/; names ``dealers:*``)."""

from django.urls import path

from crm.stock import cabinet

urlpatterns = [
    path("", cabinet.StockListView.as_view(), name="stock_list"),
    path("warehouses/", cabinet.WarehouseListView.as_view(), name="stock_warehouses"),
    path("warehouses/new/", cabinet.WarehouseCreateView.as_view(), name="stock_warehouse_create"),
    path(
        "warehouses/<int:pk>/edit/",
        cabinet.WarehouseEditView.as_view(),
        name="stock_warehouse_edit",
    ),
    path("warehouses/<int:pk>/balances/", cabinet.BalanceEntryView.as_view(), name="stock_entry"),
    path("upload/", cabinet.UploadView.as_view(), name="stock_upload"),
    path("upload/<int:pk>/", cabinet.UploadDetailView.as_view(), name="stock_upload_detail"),
    path(
        "upload/<int:pk>/confirm/",
        cabinet.UploadConfirmView.as_view(),
        name="stock_upload_confirm",
    ),
]
