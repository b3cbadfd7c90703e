from django.urls import path

from crm.clients import views

app_name = "clients"

urlpatterns = [
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
]
