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
    path(
        "plan-fact/not-reported/<str:quarter>/close/",
        planfact_missing.PeriodCloseView.as_view(),
        name="period_close",
    ),
    path(
        "plan-fact/not-reported/<str:quarter>/reopen/",
        planfact_missing.PeriodReopenView.as_view(),
        name="period_reopen",
    ),
]
