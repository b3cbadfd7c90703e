"""Admin of users, roles, org units and positions (administrators only)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import OrgUnit, Position, User
from crm.accounts.roles import role_label

_ROLES_PREFETCH = Prefetch("groups", queryset=Group.objects.order_by("name"))


class RoleListFilter(admin.SimpleListFilter):
    """Filter users by role, with the roles' translated names."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(group.pk, role_label(group.name)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(groups__id=int(self.value()))
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "full_name",
        "roles",
        "position",
        "manager",
        "email",
        "is_active",
    ]
    list_filter = [RoleListFilter, ("position__org_unit", admin.RelatedOnlyFieldListFilter)]
    list_filter += ["is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "middle_name", "email"]
    list_select_related = ["position__org_unit", "manager"]
    autocomplete_fields = ["position", "manager"]
    ordering = ["last_name", "first_name", "username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Personal info"),
            {"fields": ["last_name", "first_name", "middle_name", "email", "phone"]},
        ),
        (_("Place in the company"), {"fields": ["position", "manager"]}),
        (
            _("Preferences"),
            {"fields": ["language", "time_zone", "notification_email", "digest_enabled"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (_("Personal info"), {"fields": ["last_name", "first_name", "middle_name", "email"]}),
        (_("Place in the company"), {"fields": ["position", "manager", "groups"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(_ROLES_PREFETCH)

    @admin.display(description=_("full name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(role_label(group.name) for group in obj.groups.all())


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "region_count", "external_code", "is_active"]
    list_filter = ["kind", "is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "external_code", "parent__name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["regions"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(region_count=Count("regions"))

    @admin.display(description=_("geographic regions"), ordering="region_count")
    def region_count(self, obj):
        return obj.region_count


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["name", "org_unit", "org_unit_kind", "is_head"]
    list_filter = ["is_head", "org_unit__kind", ("org_unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "org_unit__name"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]

    @admin.display(description=_("kind"), ordering="org_unit__kind")
    def org_unit_kind(self, obj):
        return obj.org_unit.get_kind_display()


class RoleGroupAdmin(DjangoGroupAdmin):
    """Roles are groups; the list shows their translated names beside the code."""

    list_display = ["name", "label", "member_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("user"))

    @admin.display(description=_("role"))
    def label(self, obj):
        return role_label(obj.name)

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


if admin.site.is_registered(Group):
    admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)
