from django.urls import path

from crm.clients import merge_views, views
from crm.clients.models import Organisation
from crm.core.generic import SectionIndexView

app_name = "clients"

urlpatterns = [
    path(
        "",
        SectionIndexView.as_view(model=Organisation, pattern_name="clients:organisation_list"),
        name="index",
    ),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path("organisations/new/", views.OrganisationEditView.as_view(), name="organisation_create"),
    path(
        "organisations/bulk-edit/",
        views.OrganisationBulkEditView.as_view(),
        name="organisation_bulk_edit",
    ),
    path(
        "organisations/reassign/",
        views.OrganisationReassignView.as_view(),
        name="organisation_reassign",
    ),
    path(
        "organisations/<int:pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path(
        "organisations/<int:pk>/edit/",
        views.OrganisationEditView.as_view(),
        name="organisation_edit",
    ),
    path(
        "organisations/<int:pk>/archive/",
        views.OrganisationArchiveView.as_view(),
        name="organisation_archive",
    ),
    path(
        "organisations/<int:pk>/delete/",
        views.OrganisationDeleteView.as_view(),
        name="organisation_delete",
    ),
    path(
        "organisations/<int:pk>/interactions/",
        views.InteractionCreateView.as_view(),
        name="interaction_create",
    ),
    path(
        "organisations/choices/",
        views.OrganisationChoicesView.as_view(),
        name="organisation_choices",
    ),
    path("dealers/choices/", views.DealerChoicesView.as_view(), name="dealer_choices"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/new/", views.ContactEditView.as_view(), name="contact_create"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.ContactEditView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("interactions/", views.InteractionListView.as_view(), name="interaction_list"),
    path(
        "interactions/<int:pk>/edit/",
        views.InteractionEditView.as_view(),
        name="interaction_edit",
    ),
    path(
        "interactions/<int:pk>/done/",
        views.InteractionDoneView.as_view(),
        name="interaction_done",
    ),
    path("bank-accounts/new/", views.BankAccountEditView.as_view(), name="bankaccount_create"),
    path(
        "bank-accounts/<int:pk>/edit/",
        views.BankAccountEditView.as_view(),
        name="bankaccount_edit",
    ),
    path(
        "bank-accounts/<int:pk>/delete/",
        views.BankAccountDeleteView.as_view(),
        name="bankaccount_delete",
    ),
    # Duplicates and merges (crm/clients/merge_views.py)
    path(
        "organisations/merge/",
        merge_views.OrganisationMergeView.as_view(),
        name="organisation_merge",
    ),
    path(
        "organisations/merges/<int:pk>/",
        merge_views.OrganisationMergeLogView.as_view(),
        name="organisation_merge_log",
    ),
    path(
        "organisations/<int:pk>/duplicates/",
        merge_views.OrganisationDuplicatesView.as_view(),
        name="organisation_duplicates",
    ),
    path("contacts/merge/", merge_views.ContactMergeView.as_view(), name="contact_merge"),
    path(
        "contacts/merges/<int:pk>/",
        merge_views.ContactMergeLogView.as_view(),
        name="contact_merge_log",
    ),
    path(
        "contacts/<int:pk>/duplicates/",
        merge_views.ContactDuplicatesView.as_view(),
        name="contact_duplicates",
    ),
]
