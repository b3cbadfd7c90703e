from django.urls import path

from crm.core import generic, views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("exports/<int:pk>/", generic.ExportProgressView.as_view(), name="export_progress"),
]
