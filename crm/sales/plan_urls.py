"""Plans and saved dealer segments, under /sales/plans/ (namespace "sales")."""

from django.urls import path

from crm.sales import plan_import, plans, segments

urlpatterns = [
    path("", plans.PlanGridView.as_view(), name="plan_grid"),
    path("export/", plan_import.PlanExportView.as_view(), name="plan_export"),
    path("segments/", segments.SegmentListView.as_view(), name="dealersegment_list"),
    path("segments/new/", segments.SegmentEditView.as_view(), name="dealersegment_create"),
    path(
        "segments/members/",
        segments.SegmentMemberSearchView.as_view(),
        name="dealersegment_member_search",
    ),
    path("segments/<int:pk>/", segments.SegmentDetailView.as_view(), name="dealersegment_detail"),
    path("segments/<int:pk>/edit/", segments.SegmentEditView.as_view(), name="dealersegment_edit"),
    path(
        "segments/<int:pk>/delete/",
        segments.SegmentDeleteView.as_view(),
        name="dealersegment_delete",
    ),
]
