from django.urls import path

from crm.core import generic, views
from crm.core.imports import views as imports

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("search/", views.GlobalSearchView.as_view(), name="search"),
    path("exports/<int:pk>/", generic.ExportProgressView.as_view(), name="export_progress"),
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/new/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path("imports/<int:pk>/map/", imports.ImportMapView.as_view(), name="import_map"),
    path("imports/<int:pk>/confirm/", imports.ImportConfirmView.as_view(), name="import_confirm"),
    path("imports/<int:pk>/undo/", imports.ImportUndoView.as_view(), name="import_undo"),
]
