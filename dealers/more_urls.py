"""The cabinet pages of users, outlet proposals, report uploads and periods (issue #7)."""

from django.urls import path

from dealers import more_views as views

urlpatterns = [
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/invite/", views.InvitationCreateView.as_view(), name="dealerinvitation_create"),
    path(
        "users/<int:pk>/active/",
        views.MembershipActiveView.as_view(),
        name="dealermembership_active",
    ),
    path(
        "users/invitations/<int:pk>/withdraw/",
        views.InvitationRevokeView.as_view(),
        name="dealerinvitation_revoke",
    ),
    # Public: the invitee has no account yet; the single-use token is the key.
    path(
        "invitation/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("proposals/", views.ProposalListView.as_view(), name="outletproposal_list"),
    path("outlets/new/", views.OutletNewView.as_view(), name="outlet_propose_new"),
    path("outlets/<int:pk>/propose/", views.OutletProposeView.as_view(), name="outlet_propose"),
    path(
        "reports/<int:year>/<int:number>/template/",
        views.ReportTemplateView.as_view(),
        name="salesreport_template",
    ),
    path(
        "reports/<int:year>/<int:number>/upload/",
        views.ReportUploadView.as_view(),
        name="salesreport_upload",
    ),
]
