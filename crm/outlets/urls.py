"""Outlet pages."""

from django.urls import path

from crm.outlets import views

app_name = "outlets"

urlpatterns = [
    path("", views.OutletListView.as_view(), name="outlet_list"),
    path("new/", views.OutletEditView.as_view(), name="outlet_create"),
    path("bulk-edit/", views.OutletBulkEditView.as_view(), name="outlet_bulk_edit"),
    path("reassign/", views.OutletReassignView.as_view(), name="outlet_reassign"),
    path("<int:pk>/", views.OutletDetailView.as_view(), name="outlet_detail"),
    path("<int:pk>/edit/", views.OutletEditView.as_view(), name="outlet_edit"),
    path("<int:pk>/archive/", views.OutletArchiveView.as_view(), name="outlet_archive"),
    path("<int:pk>/delete/", views.OutletDeleteView.as_view(), name="outlet_delete"),
    path("<int:pk>/equipment/", views.EquipmentAddView.as_view(), name="equipment_add"),
    path(
        "equipment/<int:pk>/delete/",
        views.EquipmentDeleteView.as_view(),
        name="equipment_delete",
    ),
    path("<int:pk>/photos/", views.PhotoUploadView.as_view(), name="photo_upload"),
    path("photos/<int:pk>/", views.PhotoView.as_view(), name="photo"),
    path("photos/<int:pk>/delete/", views.PhotoDeleteView.as_view(), name="photo_delete"),
]
