"""Admin of approval rules (with their approvers inline) and a read-only view of requests."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType

from crm.approvals import services
from crm.approvals.models import (
    ApprovalRule,
    ApprovalStep,
    ChangeRequest,
    Conflict,
    Delegation,
    RequestItem,
    SourcePriority,
)
from crm.core.access import registered_models


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "content_type",
        "fields",
        "sources",
        "mode",
        "deadline_hours",
        "order",
        "is_active",
    ]
    list_filter = ["is_active", "mode", "content_type"]
    search_fields = ["name"]
    inlines = [ApprovalStepInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            kwargs["queryset"] = ContentType.objects.filter(
                pk__in=[ContentType.objects.get_for_model(m).pk for m in governable_models()]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def governable_models():
    """Record types a rule may govern: the user-visible models with a version (cards)."""
    return [
        model
        for model in registered_models()
        if any(f.name == "version" for f in model._meta.concrete_fields)
    ]


class RequestItemInline(admin.TabularInline):
    model = RequestItem
    extra = 0
    can_delete = False
    fields = ["field", "old_value", "new_value", "changed_in_round"]
    readonly_fields = fields


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    """Requests move only through their workflow (pages and services), never here."""

    list_display = [
        "pk",
        "content_type",
        "object_id",
        "source",
        "author",
        "state",
        "round",
        "deadline",
    ]
    list_filter = ["state", "source", "content_type"]
    inlines = [RequestItemInline]
    readonly_fields = [f.name for f in ChangeRequest._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    """Who decides instead of an approver while they are away."""

    list_display = ["user", "delegate", "starts", "ends"]
    search_fields = ["user__last_name", "delegate__last_name", "user__username"]
    autocomplete_fields = ["user", "delegate"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.delegation_saved(obj)


@admin.register(SourcePriority)
class SourcePriorityAdmin(admin.ModelAdmin):
    """Which source wins a conflict about a field group, without a steward."""

    list_display = ["name", "content_type", "fields", "sources", "is_active"]
    list_filter = ["is_active", "content_type"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            kwargs["queryset"] = ContentType.objects.filter(
                pk__in=[ContentType.objects.get_for_model(m).pk for m in governable_models()]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Conflict)
class ConflictAdmin(admin.ModelAdmin):
    """Conflicts are resolved on their page by a data steward, never edited here."""

    list_display = ["pk", "content_type", "object_id", "field", "state", "created_at"]
    list_filter = ["state", "content_type"]
    readonly_fields = [f.name for f in Conflict._meta.concrete_fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
