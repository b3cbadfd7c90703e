"""Admin of users, org units and positions."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import OrgUnit, Position, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "external_code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "external_code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    filter_horizontal = ["regions"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["name", "org_unit", "is_head"]
    list_filter = ["is_head", "org_unit__kind"]
    search_fields = ["name", "org_unit__name"]
    list_select_related = ["org_unit"]
    autocomplete_fields = ["org_unit"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "get_full_name", "position", "manager", "email", "is_active"]
    list_filter = ["is_active", "is_staff", "groups", "position__org_unit"]
    search_fields = ["username", "first_name", "last_name", "middle_name", "email"]
    list_select_related = ["position__org_unit", "manager"]
    autocomplete_fields = ["position", "manager"]
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

    @admin.display(description=_("full name"), ordering="last_name")
    def get_full_name(self, obj):
        return obj.get_full_name()
