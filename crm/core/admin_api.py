"""Admin of API keys: issue (the raw key is shown once), revoke, see when each was last used.

Imported at the end of crm/core/admin.py.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core.api.scopes import scope_choices
from crm.core.api.services import api_key_revoke, api_key_set_new_secret
from crm.core.models import ApiKey


class ApiKeyForm(forms.ModelForm):
    """Scopes as checkboxes of the known scopes (crm/core/api/scopes.py)."""

    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=scope_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("What the integration may do. A key without scopes can reach nothing."),
    )

    class Meta:
        model = ApiKey
        fields = ["name", "user", "scopes", "expires_at"]


class ApiKeyStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", _("active")), ("revoked", _("revoked")), ("expired", _("expired"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.active()
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(Q(revoked_at__isnull=True) & Q(expires_at__lte=now))
        return queryset


class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["name", "prefix", "user", "scopes", "state", "expires_at", "last_used_at"]
    list_filter = [ApiKeyStateFilter, "created_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "user", "scopes", "expires_at", *readonly_fields]
    actions = ["revoke"]

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.revoked_at:
            return _("revoked")
        if obj.expires_at and obj.expires_at <= timezone.now():
            return _("expired")
        return _("active")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        raw_key = api_key_set_new_secret(obj)
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            _(
                "API key created. Copy it now, it is shown only this once and cannot be "
                "recovered: %(key)s"
            )
            % {"key": raw_key},
        )

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        revoked = sum(api_key_revoke(request.user, key=key) for key in queryset)
        messages.success(request, _("API keys revoked: %(count)d.") % {"count": revoked})


admin.site.register(ApiKey, ApiKeyAdmin)
