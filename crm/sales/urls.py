from django.urls import path

from crm.sales import reports

app_name = "sales"
urlpatterns = [
    path("purchases/", reports.PurchasesReportView.as_view(), name="purchases"),
]
