"""Admin of users, roles, org units, positions and field policies (administrators only)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import FieldAccess, FieldPolicy, OrgUnit, Position, User
from crm.accounts.roles import ALL_ROLES, role_label
from crm.core import access

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
        (_("Export quota"), {"fields": ["export_daily_rows"]}),
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


# --- field policies -------------------------------------------------------------------------


def _policy_models() -> dict[str, type]:
    """Registered models by label (``app_label.model_name``), sorted by their plural name."""
    models = sorted(access.registered_models(), key=lambda m: str(m._meta.verbose_name_plural))
    return {model._meta.label_lower: model for model in models}


def _governed_fields(model) -> list:
    return access.rule_for(model).governed_fields()


class FieldPolicyForm(forms.ModelForm):
    """A single policy row, its model and field checked against the access registry."""

    class Meta:
        model = FieldPolicy
        fields = ["model", "field", "role", "position", "access"]

    def clean(self):
        cleaned = super().clean()
        label, field = cleaned.get("model"), cleaned.get("field")
        model = _policy_models().get(label or "")
        if label and model is None:
            self.add_error("model", _("No field policies apply to this model."))
        elif model is not None and field and field not in {f.name for f in _governed_fields(model)}:
            self.add_error("field", _("This field is not governed by field policies."))
        if bool(cleaned.get("role")) == bool(cleaned.get("position")):
            raise forms.ValidationError(_("Choose either a role or a position, not both."))
        return cleaned


class MatrixError(Exception):
    """A posted matrix that does not match the registry; nothing is saved."""


CELL_PREFIX = "cell"


def _cell_name(field: str, kind: str, key) -> str:
    return f"{CELL_PREFIX}:{field}:{kind}:{key}"


@admin.register(FieldPolicy)
class FieldPolicyAdmin(admin.ModelAdmin):
    form = FieldPolicyForm
    list_display = ["model", "field", "role_name", "position", "access"]
    list_filter = ["model", "access", "role", ("position", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["model", "field", "role__name", "position__name"]
    list_select_related = ["role", "position__org_unit"]
    autocomplete_fields = ["role", "position"]

    @admin.display(description=_("role"), ordering="role__name")
    def role_name(self, obj):
        return role_label(obj.role.name) if obj.role_id else ""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        matrix = path(
            "matrix/",
            self.admin_site.admin_view(self.matrix_view),
            name="{}_{}_matrix".format(*info),
        )
        return [matrix, *super().get_urls()]

    # The matrix: rows are a model's governed fields, columns the roles and chosen positions.

    def matrix_view(self, request):
        if not (self.has_view_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        models = _policy_models()
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            return self._save_matrix(request, models)
        label = request.GET.get("model") or next(iter(models), "")
        if label not in models:
            messages.error(request, gettext("No field policies apply to this model."))
            label = next(iter(models), "")
        wanted = {int(v) for v in request.GET.getlist("position") if v.isdigit()}
        return self._render_matrix(request, models, label, wanted)

    def _roles(self) -> list[Group]:
        groups = {group.name: group for group in Group.objects.filter(name__in=ALL_ROLES)}
        return [groups[code] for code in ALL_ROLES if code in groups]

    def _render_matrix(self, request, models, label, wanted_positions):
        model = models.get(label)
        roles = self._roles()
        all_positions = list(Position.objects.select_related("org_unit"))
        fields = _governed_fields(model) if model is not None else []
        existing = {}
        if model is not None:
            # One query for every policy of the model.
            for field, role_name, position_id, level in FieldPolicy.objects.filter(
                model=label
            ).values_list("field", "role__name", "position_id", "access"):
                key = ("role", role_name) if role_name else ("position", position_id)
                existing[(field, *key)] = level
        shown_ids = wanted_positions | {key[2] for key in existing if key[1] == "position"}
        positions = [p for p in all_positions if p.pk in shown_ids]
        columns = [
            {"kind": "role", "key": group.name, "label": role_label(group.name), "code": group.name}
            for group in roles
        ] + [{"kind": "position", "key": p.pk, "label": str(p), "code": ""} for p in positions]
        rows = []
        for field in fields:
            cells = []
            for column in columns:
                level = existing.get((field.name, column["kind"], column["key"]))
                cells.append(
                    {
                        "name": _cell_name(field.name, column["kind"], column["key"]),
                        "value": "" if level is None else str(level),
                        "column": column["label"],
                    }
                )
            rows.append({"name": field.name, "label": capfirst(field.verbose_name), "cells": cells})
        context = {
            **self.admin_site.each_context(request),
            "title": _("Field policies as a matrix"),
            "opts": self.opts,
            "model_choices": [
                (key, capfirst(m._meta.verbose_name_plural)) for key, m in models.items()
            ],
            "model_label": label,
            "model_name": capfirst(model._meta.verbose_name_plural) if model else "",
            "role_columns": [c for c in columns if c["kind"] == "role"],
            "position_columns": [c for c in columns if c["kind"] == "position"],
            "addable_positions": [p for p in all_positions if p.pk not in shown_ids],
            "shown_position_ids": [p.pk for p in positions],
            "rows": rows,
            "levels": [("", gettext("— (default)"))]
            + [(str(value), name) for value, name in FieldAccess.choices],
            "can_change": self.has_change_permission(request),
            "changelist_url": reverse("admin:accounts_fieldpolicy_changelist"),
        }
        return TemplateResponse(request, "admin/accounts/fieldpolicy/matrix.html", context)

    def _parse_matrix(self, request, models):
        """The posted cells as {(field, kind, key): level or None}; MatrixError if tampered."""
        label = request.POST.get("model", "")
        model = models.get(label)
        if model is None:
            raise MatrixError(gettext("Unknown model: %(name)s") % {"name": label})
        field_names = [field.name for field in _governed_fields(model)]
        roles = {group.name: group for group in self._roles()}
        raw_ids = request.POST.getlist("positions")
        if not all(value.isdigit() for value in raw_ids):
            raise MatrixError(gettext("Unknown position."))
        position_ids = {int(value) for value in raw_ids}
        found = set(Position.objects.filter(pk__in=position_ids).values_list("pk", flat=True))
        if found != position_ids:
            raise MatrixError(gettext("Unknown position."))
        valid_levels = {str(value) for value in FieldAccess.values}
        cells = {}
        for name in request.POST:
            if not name.startswith(CELL_PREFIX + ":"):
                continue
            parts = name.split(":")
            if len(parts) != 4:
                raise MatrixError(gettext("Malformed cell: %(name)s") % {"name": name})
            _prefix, field, kind, key = parts
            if field not in field_names:
                raise MatrixError(gettext("Unknown field: %(name)s") % {"name": field})
            if kind == "role":
                if key not in roles:
                    raise MatrixError(gettext("Unknown role: %(name)s") % {"name": key})
            elif kind == "position":
                if not key.isdigit() or int(key) not in position_ids:
                    raise MatrixError(gettext("Unknown position."))
                key = int(key)
            else:
                raise MatrixError(gettext("Malformed cell: %(name)s") % {"name": name})
            value = request.POST[name]
            if value and value not in valid_levels:
                raise MatrixError(gettext("Unknown access level: %(value)s") % {"value": value})
            cells[(field, kind, key)] = int(value) if value else None
        expected = {(f, "role", r) for f in field_names for r in roles}
        expected |= {(f, "position", p) for f in field_names for p in position_ids}
        if set(cells) != expected:
            raise MatrixError(gettext("The matrix is incomplete; reload the page and try again."))
        return label, roles, position_ids, cells

    def _save_matrix(self, request, models):
        label = request.POST.get("model", "")
        try:
            label, roles, position_ids, cells = self._parse_matrix(request, models)
        except MatrixError as error:
            messages.error(request, str(error))
            shown = {int(v) for v in request.POST.getlist("positions") if v.isdigit()}
            label = label if label in models else next(iter(models), "")
            return self._render_matrix(request, models, label, shown)
        try:
            changes = self._apply(label, roles, position_ids, cells)
        except IntegrityError:
            messages.error(
                request,
                gettext("Someone changed these policies at the same time; please try again."),
            )
            changes = None
        if changes is not None:
            messages.success(
                request, gettext("Field policies saved: %(count)s changes") % {"count": changes}
            )
        query = urlencode([("model", label), *(("position", p) for p in sorted(position_ids))])
        return HttpResponseRedirect(f"{reverse('admin:accounts_fieldpolicy_matrix')}?{query}")

    @staticmethod
    def _apply(label, roles, position_ids, cells) -> int:
        """Make the model's rows for the posted roles and positions match the cells exactly."""
        with transaction.atomic():
            current = {}
            # Only the columns on the page: groups outside the eleven roles and positions not
            # shown keep their rows. One locked query for the model's policies.
            holders = Q(role__name__in=list(roles)) | Q(position_id__in=position_ids)
            rows = (
                FieldPolicy.objects.select_for_update(of=("self",))
                .filter(holders, model=label)
                .values_list("pk", "field", "role__name", "position_id", "access")
            )
            for pk, field, role_name, position_id, level in rows:
                key = (field, "role", role_name) if role_name else (field, "position", position_id)
                current[key] = (pk, level)
            create, update, delete = [], [], []
            for key, level in cells.items():
                pk, old_level = current.get(key, (None, None))
                if level is None:
                    if pk is not None:
                        delete.append(pk)
                elif pk is None:
                    field, kind, holder = key
                    create.append(
                        FieldPolicy(
                            model=label,
                            field=field,
                            role=roles[holder] if kind == "role" else None,
                            position_id=holder if kind == "position" else None,
                            access=level,
                        )
                    )
                elif old_level != level:
                    update.append(FieldPolicy(pk=pk, access=level))
            if delete:
                FieldPolicy.objects.filter(pk__in=delete).delete()
            if update:
                FieldPolicy.objects.bulk_update(update, ["access"])
            if create:
                FieldPolicy.objects.bulk_create(create)
        return len(create) + len(update) + len(delete)
