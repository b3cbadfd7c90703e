"""The 1C sync in the admin: the mapping (where each of our records lives in this base, checked
against its $metadata), the runs (counts, progress, rejected rows and why) and "run now"."""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core.outbox import enqueue
from integrations.onec import sync, targets, tasks
from integrations.onec.errors import OneCError
from integrations.onec.models import Mapping, SyncedVersion, SyncRun


def _queue(keys: list[str] | None = None) -> None:
    with transaction.atomic():
        if keys:
            enqueue("onec.sync", queue="long", keys=keys)
        else:
            enqueue("onec.sync", queue="long")


def _not_configured(request) -> bool:
    if tasks.configured():
        return False
    messages.error(request, _("No 1C is configured: set ONEC_URL, ONEC_USER and ONEC_PASSWORD."))
    return True


def check_report(mapping: Mapping, metadata) -> str:
    """What the base does not publish of ``mapping``; empty when everything is there."""
    published = metadata.entity_sets.get(mapping.entity_set)
    if published is None:
        return _("The base does not publish %(set)s.") % {"set": mapping.entity_set}
    missing = [p for p in ("Ref_Key", "DataVersion", "DeletionMark") if p not in published]
    target = targets.TARGETS[mapping.key]
    for column in target.columns:
        if column.row:  # inside the document's table: its properties are not checked here
            continue
        spec = (mapping.properties.get(column.name) or "").strip()
        names = [p.strip() for p in spec.split("|") if p.strip()]
        if names and not any(name in published for name in names):
            missing.append(" | ".join(names))
    if not missing:
        return ""
    return _("%(set)s lacks: %(names)s.") % {"set": mapping.entity_set, "names": ", ".join(missing)}


def target_label(key: str) -> str:
    """What a target loads, in the user's language ("Организации")."""
    target = targets.TARGETS.get(key)
    if target is None:
        return key
    if target.sign:
        return str(_("1C sales documents") if target.sign > 0 else _("1C returns documents"))
    return str(target.model._meta.verbose_name_plural).capitalize()


class TargetFilter(admin.SimpleListFilter):
    title = gettext_lazy("data")
    parameter_name = "entity"

    def lookups(self, request, model_admin):
        return [(key, target_label(key)) for key in targets.TARGETS]

    def queryset(self, request, queryset):
        return queryset.filter(entity=self.value()) if self.value() else queryset


class MappingForm(forms.ModelForm):
    """The entity set and filter, and one box per field of ours for its 1C property."""

    class Meta:
        model = Mapping
        fields = ["entity_set", "filter", "enabled", "order", "page_size"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = targets.TARGETS[self.instance.key]
        for column in self.target.columns:
            self.fields[f"property_{column.name}"] = forms.CharField(
                label=targets.column_label(self.target, column),
                initial=self.instance.properties.get(column.name, column.default),
                max_length=300,
                required=False,
                help_text=(
                    _("УТ 11: %(default)s. Empty: not read, the CRM keeps its value.")
                    % {"default": column.default or "—"}
                ),
            )

    def save(self, commit=True):
        self.instance.properties = {
            column.name: self.cleaned_data[f"property_{column.name}"].strip()
            for column in self.target.columns
        }
        return super().save(commit)


@admin.register(Mapping)
class MappingAdmin(admin.ModelAdmin):
    form = MappingForm
    list_display = ["data", "entity_set", "filter", "enabled", "order", "result"]
    list_editable = ["enabled", "order"]
    list_display_links = ["data"]
    readonly_fields = ["data", "checked_at", "check_report"]
    actions = ["check_mapping", "run_now", "restore_defaults"]

    def get_fieldsets(self, request, obj=None):
        properties = [f"property_{c.name}" for c in targets.TARGETS[obj.key].columns] if obj else []
        return [
            (None, {"fields": ["data", "entity_set", "filter", "enabled", "order", "page_size"]}),
            (_("Our field ← 1C property"), {"fields": properties}),
            (_("Check against the base"), {"fields": ["checked_at", "check_report"]}),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The property boxes are added per target by the form itself, not by the model.
        kwargs["fields"] = MappingForm.Meta.fields
        return super().get_form(request, obj, change, **kwargs)

    def get_queryset(self, request):
        sync.ensure_mappings()
        return super().get_queryset(request)

    @admin.display(description=gettext_lazy("data"), ordering="order")
    def data(self, obj):
        return target_label(obj.key)

    @admin.display(description=gettext_lazy("check result"))
    def result(self, obj):
        if obj.checked_at is None:
            return "—"
        return obj.check_report or _("Everything is published")

    def has_add_permission(self, request):
        return False  # the targets are the code's; an installation only places them

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Rows skipped as unchanged were read with the old mapping: read them all once more.
        SyncedVersion.objects.filter(entity=obj.key).delete()

    @admin.action(description=gettext_lazy("Check against the 1C $metadata"))
    def check_mapping(self, request, queryset):
        if _not_configured(request):
            return
        try:
            with tasks.client() as onec:
                metadata = onec.metadata()
        except OneCError as error:
            messages.error(request, f"{error.message} {error.detail}".strip())
            return
        problems = 0
        for mapping in queryset:
            mapping.check_report = check_report(mapping, metadata)
            mapping.checked_at = timezone.now()
            mapping.save(update_fields=["check_report", "checked_at"])
            problems += bool(mapping.check_report)
        if problems:
            messages.warning(
                request,
                _("%(count)s of %(total)s mappings name what the base does not publish.")
                % {"count": problems, "total": len(queryset)},
            )
        else:
            messages.success(request, _("The base publishes everything the mapping names."))

    @admin.action(description=gettext_lazy("Run the sync of the selected data now"))
    def run_now(self, request, queryset):
        if _not_configured(request):
            return
        _queue([m.key for m in queryset.order_by("order", "key")])
        messages.success(request, _("The sync is queued; its runs appear under 1C sync runs."))

    @admin.action(description=gettext_lazy("Restore the УТ 11 defaults"))
    def restore_defaults(self, request, queryset):
        order = {key: index for index, key in enumerate(targets.TARGETS)}
        for mapping in queryset:
            values = sync.default_mapping(targets.TARGETS[mapping.key], order[mapping.key])
            Mapping.objects.filter(pk=mapping.pk).update(**values)
            SyncedVersion.objects.filter(entity=mapping.key).delete()
        messages.success(request, _("The defaults are back."))


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = [
        "data",
        "status",
        "progress",
        "started_at",
        "finished_at",
        "fetched",
        "inserted",
        "updated",
        "unchanged",
        "archived",
        "proposed",
        "rejected",
    ]
    list_filter = ["status", TargetFilter]
    readonly_fields = [f.name for f in SyncRun._meta.concrete_fields]

    @admin.display(description=gettext_lazy("data"), ordering="entity")
    def data(self, obj):
        return target_label(obj.entity)

    change_list_template = "admin/onec/syncrun_change_list.html"

    @admin.display(description=gettext_lazy("progress"))
    def progress(self, obj):
        if not obj.total:
            return f"{obj.cursor}"
        done = min(obj.cursor, obj.total)
        return format_html(
            '<progress value="{}" max="{}"></progress> {} / {}', done, obj.total, done, obj.total
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        run_now = self.admin_site.admin_view(self.run_now)
        return [path("run-now/", run_now, name="onec_syncrun_run_now"), *super().get_urls()]

    def run_now(self, request):
        """Queue the sync of every enabled target at once (POST only)."""
        if request.method != "POST" or not request.user.has_perm("onec.view_syncrun"):
            return redirect("admin:onec_syncrun_changelist")
        if not _not_configured(request):
            _queue()
            messages.success(request, _("The sync is queued; refresh this list in a minute."))
        return redirect(reverse("admin:onec_syncrun_changelist"))
