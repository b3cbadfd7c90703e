"""The cabinet's pages of users, outlet proposals and report uploads (issue #7, parts 3 and 7),
all ``CabinetView``s except the invitation link's page, which the invitee opens before they
have an account (a single-use token is its only key)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from crm.accounts.scopes import scope_of
from crm.approvals.display import field_label, value_display
from crm.clients.models import Organisation
from crm.core import access, records, sanity
from crm.core.audit import audit_context_add
from crm.outlets.models import Outlet
from dealers import invitations, proposals, selectors, services, uploads
from dealers.forms import (
    AcceptInvitationForm,
    InvitationForm,
    ReportUploadForm,
    outlet_proposal_form,
)
from dealers.models import (
    DealerInvitation,
    DealerMembership,
    InvitationState,
    OutletProposal,
    ReportUpload,
    SalesReport,
)
from dealers.views import CabinetView, ReportView

# --- users ------------------------------------------------------------------------------------


class CabinetAdminView(CabinetView):
    """A page of the organisation's administrator: other cabinet users get a 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            cabinet = selectors.cabinet_of(request.user)
            # staff and unlinked users get the cabinet's own 404 (CabinetView)
            if cabinet is not None and not cabinet.is_admin:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def managed_organisations(self) -> list:
        """The organisations whose users the administrator manages: their own and, for a
        dealer, its sub-dealers (the scope's dealer ids, read through the access rule)."""
        user = self.request.user
        return list(
            Organisation.objects.restrict(user, "view")
            .filter(pk__in=scope_of(user).dealer_ids)
            .order_by(F("parent_dealer_id").asc(nulls_first=True), "name")
        )


class UserListView(CabinetAdminView):
    """The users of the organisation and its sub-dealers, open invitations, the invite form."""

    model = DealerMembership

    def get(self, request):
        return self.render_page(self.invite_form())

    def invite_form(self, data=None) -> InvitationForm:
        return InvitationForm(
            data,
            organisations=self.managed_organisations(),
            initial={"organisation": self.organisation.pk},
        )

    def render_page(self, form, status: int = 200):
        user = self.request.user
        dealer_ids = scope_of(user).dealer_ids
        memberships = (
            DealerMembership.objects.restrict(user, "view")
            .filter(organisation_id__in=dealer_ids)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__last_name", "user__username")
        )
        open_invitations = [
            invitation
            for invitation in DealerInvitation.objects.restrict(user, "view")
            .filter(accepted_at__isnull=True, revoked_at__isnull=True)
            .select_related("organisation", "invited_by")[:200]
            if invitation.state == InvitationState.PENDING
        ]
        context = {
            "form": form,
            "memberships": list(memberships),
            "invitations": open_invitations,
            "user_id": user.pk,
        }
        return self.render("users.html", context, status=status)


class InvitationCreateView(UserListView):
    model = DealerInvitation
    action = "add"
    http_method_names = ["post"]

    def post(self, request):
        form = self.invite_form(request.POST)
        chosen = request.POST.get("organisation", "")
        if chosen and (not chosen.isdigit() or int(chosen) not in form.organisations):
            raise Http404  # another organisation does not exist for this user
        if not form.is_valid():
            return self.render_page(form)
        try:
            invitation = invitations.invitation_create(
                request.user,
                organisation=form.chosen_organisation(),
                email=form.cleaned_data["email"],
                last_name=form.cleaned_data["last_name"],
                first_name=form.cleaned_data["first_name"],
            )
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_page(form)
        messages.success(
            request,
            _("The invitation is sent to %(email)s. The link is valid for %(days)s days.")
            % {"email": invitation.email, "days": invitations.invitation_days()},
        )
        return redirect("dealers:user_list")


class MembershipActiveView(CabinetAdminView):
    """Block (active=0) or unblock (active=1) a user of a managed organisation."""

    model = DealerMembership
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        membership = access.get_for_user(
            DealerMembership.objects.select_related("user", "organisation"),
            request.user,
            "change",
            pk=pk,
        )
        active = request.POST.get("active") == "1"
        try:
            invitations.membership_set_active(request.user, membership, active=active)
        except records.RecordError as error:
            messages.error(request, error.message)
        else:
            name = str(membership.user)
            if active:
                messages.success(request, _("%(user)s can log in again.") % {"user": name})
            else:
                messages.success(request, _("%(user)s is blocked and logged out.") % {"user": name})
        return redirect("dealers:user_list")


class InvitationRevokeView(CabinetAdminView):
    model = DealerInvitation
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk: int):
        invitation = access.get_for_user(
            DealerInvitation.objects.select_related("organisation"), request.user, "change", pk=pk
        )
        try:
            invitations.invitation_revoke(request.user, invitation)
        except records.RecordError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The invitation is withdrawn: its link no longer works."))
        return redirect("dealers:user_list")


class InvitationAcceptView(View):
    """The page of the invitation link (public: the single-use token is the key). The invitee
    sets their name and password; the account is created, logged in and sent to the cabinet.
    An unknown, used, withdrawn or expired link says so and what to do."""

    template = "dealers/invitation_accept.html"

    def get(self, request, token: str):
        try:
            invitation = invitations.invitation_by_token(token)
        except invitations.InvitationUnusable as error:
            return self.refuse(request, error)
        form = AcceptInvitationForm(invitation=invitation)
        return render(request, self.template, {"form": form, "invitation": invitation})

    def post(self, request, token: str):
        try:
            invitation = invitations.invitation_by_token(token)
        except invitations.InvitationUnusable as error:
            return self.refuse(request, error)
        form = AcceptInvitationForm(request.POST, invitation=invitation)
        if form.is_valid():
            try:
                user = invitations.invitation_accept(
                    token=token,
                    password=form.cleaned_data["password1"],
                    last_name=form.cleaned_data["last_name"],
                    first_name=form.cleaned_data["first_name"],
                )
            except invitations.InvitationUnusable as error:
                return self.refuse(request, error)
            except records.RecordError as error:
                form.add_error(None, error.message)
            else:
                login(request, user, backend="crm.accounts.backends.CrmModelBackend")
                messages.success(request, _("Welcome! Your account is ready."))
                return redirect("dealers:home")
        return render(request, self.template, {"form": form, "invitation": invitation})

    def refuse(self, request, error):
        context = {"refusal": error.message, "state": error.state}
        status = 404 if error.state == "unknown" else 410
        return render(request, self.template, context, status=status)


# --- outlet proposals -------------------------------------------------------------------------


def _items(proposal: OutletProposal) -> list[dict]:
    """The proposed values as the dealer reads them."""
    return [
        {
            "label": field_label(Outlet, item.field),
            "old": value_display(Outlet, item.field, item.old_value),
            "new": value_display(Outlet, item.field, item.new_value),
        }
        for item in proposal.request.items.all()
        if item.field != "is_archived"
    ]


def proposals_of(user, outlet=None, limit: int = 200) -> list[dict]:
    """The user's organisations' proposals (of one outlet, if given), newest first."""
    rows = OutletProposal.objects.restrict(user, "view").select_related(
        "outlet", "request", "created_by"
    )
    if outlet is not None:
        rows = rows.filter(outlet=outlet)
    rows = rows.prefetch_related("request__items")[:limit]
    return [{"proposal": proposal, "items": _items(proposal)} for proposal in rows]


class ProposalListView(CabinetView):
    """The dealer's proposals about outlets and their state (pending, approved, rejected…)."""

    model = OutletProposal

    def get(self, request):
        return self.render("proposals.html", {"proposals": proposals_of(request.user)})


class OutletProposeView(CabinetView):
    """Propose changes to one of the user's outlets (another dealer's outlet: 404)."""

    model = OutletProposal
    action = "add"

    def outlet(self, pk: int) -> Outlet:
        return access.get_for_user(
            Outlet.objects.select_related("dealer", "format"), self.request.user, "view", pk=pk
        )

    def get(self, request, pk: int):
        outlet = self.outlet(pk)
        return self.render_form(outlet, outlet_proposal_form(request.user, outlet))

    def post(self, request, pk: int):
        outlet = self.outlet(pk)
        form = outlet_proposal_form(request.user, outlet, request.POST)
        if not form.is_valid():
            return self.render_form(outlet, form)
        try:
            proposals.outlet_change_propose(
                request.user,
                organisation=self.organisation,
                outlet=outlet,
                changes=form.proposed(),
                comment=form.cleaned_data["comment"],
            )
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_form(outlet, form)
        messages.success(request, _("Sent for approval. You will see the decision here."))
        return redirect("dealers:outletproposal_list")

    def render_form(self, outlet, form):
        return self.render("outlet_propose.html", {"outlet": outlet, "form": form})


class OutletNewView(CabinetView):
    """Propose a new outlet of the user's organisation."""

    model = OutletProposal
    action = "add"

    def get(self, request):
        return self.render_form(outlet_proposal_form(request.user, self.blank()))

    def blank(self) -> Outlet:
        return Outlet(dealer=self.organisation)

    def post(self, request):
        form = outlet_proposal_form(request.user, self.blank(), request.POST)
        if not form.is_valid():
            return self.render_form(form)
        try:
            proposals.outlet_new_propose(
                request.user,
                organisation=self.organisation,
                values=form.proposed(),
                comment=form.cleaned_data["comment"],
            )
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_form(form)
        messages.success(
            request,
            _("The new outlet is sent for approval. It appears among your outlets when approved."),
        )
        return redirect("dealers:outletproposal_list")

    def render_form(self, form):
        return self.render("outlet_propose.html", {"outlet": None, "form": form})


# --- the quarterly report as XLSX -------------------------------------------------------------


class ReportTemplateView(ReportView):
    """The XLSX template of an open quarter's report, prefilled as the form is."""

    http_method_names = ["get"]

    def get(self, request, year: int, number: int):
        self.setup_quarter(year, number)
        if not self.editable:
            raise Http404
        response = HttpResponse(
            uploads.template_build(self.grid), content_type=uploads.CONTENT_TYPE
        )
        filename = uploads.template_filename(self.grid)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ReportUploadView(ReportView):
    """Upload the filled template instead of typing the form: every problem listed and nothing
    kept while there is one; outliers confirmed as in the form; then the same submission."""

    def get(self, request, year: int, number: int):
        self.setup_quarter(year, number)
        if not self.editable:
            raise Http404
        return self.render_upload(ReportUploadForm())

    def post(self, request, year: int, number: int):
        self.setup_quarter(year, number)
        if not self.editable:
            form = ReportUploadForm()
            form.add_error(None, services.PeriodClosed(self.quarter).message)
            return self.render_upload(form)
        if request.POST.get("upload"):
            return self.confirm(request.POST["upload"])
        form = ReportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_upload(form)
        file = form.cleaned_data["file"]
        try:
            read = uploads.upload_read(self.grid, file)
        except uploads.UploadInvalid as invalid:
            return self.render_upload(form, errors=invalid.errors, status=200)
        upload = uploads.upload_record(
            request.user,
            organisation=self.organisation,
            quarter=self.quarter,
            filename=file.name,
            read=read,
        )
        return self.submit(upload)

    def confirm(self, upload_id: str):
        """The second post of an upload with outliers: its figures, once confirmed."""
        if not upload_id.isdigit():
            raise Http404
        upload = access.get_for_user(
            ReportUpload.objects.filter(
                organisation=self.organisation, quarter_start=self.quarter.start, submitted=False
            ),
            self.request.user,
            "view",
            pk=int(upload_id),
        )
        return self.submit(upload)

    def submit(self, upload: ReportUpload):
        request = self.request
        values = {
            "organisation": self.organisation,
            "quarter": self.quarter,
            "figures": upload.figure_map(),
            "labels": self.grid.labels(),
        }
        warnings = sanity.warnings_for(request.user, SalesReport, self.grid.report, values)
        if warnings and request.POST.get(sanity.CONFIRM_FIELD) != sanity.digest(warnings):
            return self.render_upload(
                ReportUploadForm(),
                upload=upload,
                value_warnings=warnings,
                warnings_digest=sanity.digest(warnings),
            )
        if warnings:
            audit_context_add(confirmed_warnings=[warning.message for warning in warnings])
        try:
            uploads.upload_submit(request.user, upload)
        except services.ReportChanged as stale:
            return self.render_upload(ReportUploadForm(), upload=upload, stale=stale, status=409)
        except records.RecordError as error:
            form = ReportUploadForm()
            form.add_error(None, error.message)
            return self.render_upload(form, upload=upload)
        messages.success(
            request,
            _("The report for %(quarter)s is sent from the file. Its figures are in plan and fact.")
            % {"quarter": self.quarter.label},
        )
        return HttpResponseRedirect(f"{reverse('dealers:home')}?quarter={self.quarter.slug}")

    def render_upload(self, form, status: int = 200, **extra):
        context = {"quarter": self.quarter, "grid": self.grid, "form": form, **extra}
        return self.render("report_upload.html", context, status=status)
