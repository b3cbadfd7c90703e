from django.urls import path

from crm.approvals import views

app_name = "approvals"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="request_list"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    path("conflicts/", views.ConflictListView.as_view(), name="conflict_list"),
    path("contractor/", views.ContractorView.as_view(), name="contractor"),
    path("delegation/", views.DelegationView.as_view(), name="delegation"),
    path("conflicts/<int:pk>/", views.ConflictDetailView.as_view(), name="conflict_detail"),
]
