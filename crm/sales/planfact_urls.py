"""Staff reports on plans, under /sales/ (namespace "sales"): plan vs fact and the dealers
that have not reported."""

from django.urls import path

from crm.sales import planfact, planfact_missing

urlpatterns = [
    path("plan-fact/", planfact.PlanFactView.as_view(), name="planfact"),
    path(
        "plan-fact/not-reported/",
        planfact_missing.NotReportedView.as_view(),
        name="not_reported",
    ),
]
