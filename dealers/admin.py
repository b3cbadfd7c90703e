"""Admin of the cabinet: administrators link users to their dealer (and mark the dealer's
administrator of users), invite and block cabinet users, close and reopen quarters; reports,
entries, uploads and proposals are read-only here (dealers write them in the cabinet). Every
write goes through the same services as the cabinet's pages."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.core.records import RecordError
from dealers import invitations, periodclose
from dealers.models import (
    DealerInvitation,
    DealerMembership,
    OutletProposal,
    ReportingPeriod,
    ReportUpload,
    SaleEntry,
    SalesReport,
)


@admin.register(DealerMembership)
class DealerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "is_admin", "user_active", "created_at"]
    list_filter = ["is_admin", "user__is_active"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    raw_id_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]
    actions = ["block_users", "unblock_users"]

    @admin.display(boolean=True, description=_("can log in"))
    def user_active(self, obj):
        return obj.user.is_active

    def _set_active(self, request, queryset, active: bool) -> None:
        changed = 0
        for membership in queryset.select_related("user", "organisation"):
            try:
                changed += invitations.membership_set_active(
                    request.user, membership, active=active
                )
            except RecordError as error:
                self.message_user(request, f"{membership.user}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d user changed.", "%(count)d users changed.", changed)
            % {"count": changed},
        )

    @admin.action(description=_("Block the selected users"), permissions=["change"])
    def block_users(self, request, queryset):
        self._set_active(request, queryset, active=False)

    @admin.action(description=_("Unblock the selected users"), permissions=["change"])
    def unblock_users(self, request, queryset):
        self._set_active(request, queryset, active=True)


class InvitationAdminForm(forms.ModelForm):
    class Meta:
        model = DealerInvitation
        fields = ["organisation", "email", "last_name", "first_name"]


@admin.register(DealerInvitation)
class DealerInvitationAdmin(admin.ModelAdmin):
    """Staff invite a dealer's user here: the same letter as a dealer administrator's."""

    form = InvitationAdminForm
    list_display = ["email", "organisation", "state_display", "created_at", "expires_at"]
    search_fields = ["email", "organisation__name"]
    raw_id_fields = ["organisation"]
    list_select_related = ["organisation"]
    actions = ["revoke"]

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return obj.get_state_display()

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["organisation", "email", "last_name", "first_name", "invited_by", "user"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            created = invitations.invitation_create(
                request.user,
                organisation=obj.organisation,
                email=obj.email,
                last_name=obj.last_name,
                first_name=obj.first_name,
            )
        except RecordError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk = created.pk

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:  # refused: the message says why
            return HttpResponseRedirect(reverse("admin:dealers_dealerinvitation_changelist"))
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Withdraw the selected invitations"), permissions=["add"])
    def revoke(self, request, queryset):
        count = sum(invitations.invitation_revoke(request.user, item) for item in queryset)
        self.message_user(
            request,
            ngettext("%(count)d invitation withdrawn.", "%(count)d invitations withdrawn.", count)
            % {"count": count},
        )


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    """Quarters are closed by the beat task on DEALER_PERIOD_CLOSE_DAY or here by hand;
    reopening takes dealers.reopen_reportingperiod. Both are recorded and notified."""

    list_display = [
        "__str__",
        "quarter_start",
        "is_closed",
        "closed_at",
        "closed_by",
        "reopened_at",
        "reopened_by",
    ]
    list_filter = ["is_closed"]
    readonly_fields = ["is_closed", "closed_at", "closed_by", "reopened_at", "reopened_by"]
    actions = ["close_quarters", "reopen_quarters"]

    def has_reopen_permission(self, request):
        return request.user.has_perm("dealers.reopen_reportingperiod")

    @admin.action(description=_("Close the selected quarters"), permissions=["change"])
    def close_quarters(self, request, queryset):
        count = sum(periodclose.period_close(request.user, period.quarter) for period in queryset)
        self.message_user(
            request,
            ngettext("%(count)d quarter closed.", "%(count)d quarters closed.", count)
            % {"count": count},
        )

    @admin.action(description=_("Reopen the selected quarters"), permissions=["reopen"])
    def reopen_quarters(self, request, queryset):
        count = 0
        for period in queryset:
            try:
                count += periodclose.period_reopen(request.user, period)
            except RecordError as error:
                self.message_user(request, error.message, messages.ERROR)
        self.message_user(
            request,
            ngettext("%(count)d quarter reopened.", "%(count)d quarters reopened.", count)
            % {"count": count},
        )


class ReadOnly(admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SalesReport)
class SalesReportAdmin(ReadOnly):
    list_display = ["organisation", "quarter_start", "version", "submitted_at", "submitted_by"]
    list_filter = ["quarter_start"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "submitted_by"]


@admin.register(SaleEntry)
class SaleEntryAdmin(ReadOnly):
    list_display = ["date", "organisation", "outlet", "product", "quantity", "amount", "recorded"]
    list_filter = ["recorded"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "outlet", "product"]


@admin.register(ReportUpload)
class ReportUploadAdmin(ReadOnly):
    list_display = ["organisation", "quarter_start", "filename", "uploaded_at", "submitted"]
    list_filter = ["submitted", "quarter_start"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation"]


@admin.register(OutletProposal)
class OutletProposalAdmin(ReadOnly):
    list_display = ["created_at", "organisation", "kind", "outlet", "request"]
    list_filter = ["kind"]
    search_fields = ["organisation__name", "outlet__name"]
    list_select_related = ["organisation", "outlet", "request"]
