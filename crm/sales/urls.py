from django.urls import include, path

from crm.sales import reports

app_name = "sales"
urlpatterns = [
    path("purchases/", reports.PurchasesReportView.as_view(), name="purchases"),
    path("", include("crm.sales.planfact_urls")),
    path("plans/", include("crm.sales.plan_urls")),
]
