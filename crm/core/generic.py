"""Generic views: list, card, create/edit, archive/delete, bulk edit and bulk reassign.

Every view here is a ``ScopedView``: it must name a model (or it cannot be built), derives the
model permission from its action (403 without it), and reads rows only through
``crm.core.access.restrict`` (an out-of-scope object is a 404). Field policies shape every
output: columns, filters, sorting, search, cards, forms, exports and history.
"""

import hashlib
import json
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.http import FileResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from crm.core import access, exporting, records
from crm.core.choices import Channel, Source
from crm.core.forms import style_fields
from crm.core.models import ExportLog, ExportStatus, SavedView
from crm.core.outbox import enqueue

PAGE_SIZES = (25, 50, 100)
COUNT_CAP = 1_000  # rows counted exactly; beyond it the planner's estimate is shown
OFFSET_LIMIT = 10_000  # rows one can page through; narrow the filter for the rest


class ScopedView(LoginRequiredMixin, View):
    """Base of every record view: model permission for ``action``, rows through the rule."""

    model = None
    action = "view"

    @classmethod
    def as_view(cls, **initkwargs):
        """Fail closed at start-up: a scoped view without a model cannot be routed."""
        if cls.model is None and initkwargs.get("model") is None:
            raise ImproperlyConfigured(f"{cls.__name__} must declare its model")
        return super().as_view(**initkwargs)

    def dispatch(self, request, *args, **kwargs):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare its model")
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        needs_permission = access.rule_for(self.model).requires_permission
        permission = access.permission_name(self.model, self.action)
        if needs_permission and not request.user.has_perm(permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, action=None):
        return access.restrict(
            self.model._default_manager.all(), self.request.user, action or self.action
        )

    @property
    def opts(self):
        return self.model._meta

    list_url_name = None

    def list_url(self) -> str | None:
        """Where breadcrumbs and "Cancel" lead: the model's list, if it has one."""
        name = self.list_url_name or f"{self.opts.app_label}:{self.opts.model_name}_list"
        try:
            return reverse(name)
        except NoReverseMatch:
            return None


def capped_count(queryset, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count up to ``cap`` rows (never a full COUNT over a big table): (count, more)."""
    count = queryset.order_by().values("pk")[: cap + 1].count()
    return min(count, cap), count > cap


def estimated_count(queryset) -> int:
    """PostgreSQL's estimate of the rows a queryset returns (EXPLAIN, no execution)."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class ObjectListView(ScopedView):
    """One list: filters, search, sort, columns, saved views, HTMX table refresh and export,
    all from the same restricted queryset."""

    table = None
    filterset = None
    template_name = "generic/object_list.html"
    results_template = "generic/includes/list_results.html"
    list_key = None
    title = None
    create_url = None
    bulk_actions = True

    def search(self, queryset, text):
        """Narrow the queryset by the search box; override per list."""
        return queryset

    def search_placeholder(self) -> str:
        return _("Search")

    # --- request handling --------------------------------------------------------------
    def get(self, request, *args, **kwargs):
        views = self.saved_views()
        table = self.build_table(views)
        queryset, filterset, problems = self.filtered(table)
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return self.export(queryset, table, export)
        context = self.page_context(queryset, table, filterset, views, problems)
        if request.htmx and request.htmx.target == "list-results":
            return render(request, self.results_template, context)
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        """Saved views and the column choice (the user's own preferences)."""
        user, key = request.user, self.get_list_key()
        action = request.POST.get("action")
        if action == "columns":
            columns = request.POST.getlist("columns")
            SavedView.objects.update_or_create(
                user=user, list_key=key, name="", defaults={"columns": columns, "is_default": True}
            )
        elif action == "save_view":
            name = request.POST.get("name", "").strip()[:100]
            if name:
                SavedView.objects.update_or_create(
                    user=user,
                    list_key=key,
                    name=name,
                    defaults={"query": request.POST.get("query", "")[:2000]},
                )
                messages.success(request, _("View “%(name)s” saved.") % {"name": name})
        elif action == "delete_view":
            SavedView.objects.filter(user=user, list_key=key, pk=request.POST.get("view")).exclude(
                name=""
            ).delete()
        return redirect(request.path + "?" + request.POST.get("query", ""))

    # --- building blocks ---------------------------------------------------------------
    def get_list_key(self) -> str:
        return self.list_key or self.opts.label_lower

    def saved_views(self) -> list[SavedView]:
        mine = access.restrict(SavedView.objects.all(), self.request.user)
        return list(mine.filter(list_key=self.get_list_key()))

    def build_table(self, views):
        chosen = self.request.GET.getlist("columns") or next(
            (view.columns for view in views if view.is_default), None
        )
        return self.table(self.request.user, chosen)

    def filtered(self, table):
        queryset = self.scoped()
        problems = []
        filterset = None
        if self.filterset is not None:
            # Always bound, so filters with a default (archived rows hidden) apply on first view.
            filterset = self.filterset(self.request.GET, queryset=queryset, request=self.request)
            hidden = access.hidden_fields(self.request.user, self.model)
            for name, declared in list(filterset.filters.items()):
                base = declared.field_name.split("__")[0].removesuffix("_id")
                if base in hidden:
                    del filterset.filters[name]
            style_fields(filterset.form)
            if filterset.is_bound and not filterset.is_valid():
                problems.append(_("Some filters were not understood and are ignored."))
            else:
                queryset = filterset.qs
        text = self.request.GET.get("q", "").strip()
        if text:
            queryset = self.search(queryset, text)
        requested = self.request.GET.get("sort", "")
        sorting = table.sort_key(requested) if requested else None
        if sorting is not None:
            queryset = queryset.order_by(*sorting[1])
        return queryset, filterset, problems

    def page_context(self, queryset, table, filterset, views, problems):
        request = self.request
        try:
            size = int(request.GET.get("size", 50))
        except ValueError:
            size = 50
        size = size if size in PAGE_SIZES else 50
        try:
            number = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            number = 1
        total, more = capped_count(queryset)
        estimate = max(estimated_count(queryset), total + 1) if more else total
        last = OFFSET_LIMIT // size if more else max(1, -(-total // size))
        number = min(number, last)
        fetched = list(table.narrow(queryset)[(number - 1) * size : number * size + 1])
        objects, has_next = fetched[:size], len(fetched) > size
        can_change = request.user.has_perm(access.permission_name(self.model, "change"))
        query = request.GET.copy()
        for param in ("page", "export"):
            query.pop(param, None)
        return {
            "view": self,
            "title": self.title or self.opts.verbose_name_plural.capitalize(),
            "opts": self.opts,
            "table": table,
            "rows": table.rows(objects, selectable=self.bulk_actions and can_change),
            "filterset": filterset,
            "problems": problems,
            "total": total,
            "more": more,
            "estimate": estimate,
            "page": {
                "number": number,
                "last": None if more else last,
                "has_next": has_next and number < last,
                "size": size,
                "sizes": PAGE_SIZES,
            },
            "first_row": (number - 1) * size + 1 if objects else 0,
            "last_row": (number - 1) * size + len(objects),
            "query": query.urlencode(),
            "query_without_sort": _without(query, "sort"),
            "sort": request.GET.get("sort", ""),
            "search_text": request.GET.get("q", ""),
            "search_placeholder": self.search_placeholder(),
            "saved_views": [v for v in views if v.name],
            "can_export": request.user.has_perm(access.permission_name(self.model, "export")),
            "can_change": can_change,
            "can_add": request.user.has_perm(access.permission_name(self.model, "add")),
            "create_url": self.create_url,
            "bulk_actions": self.bulk_actions,
        }

    # --- export ------------------------------------------------------------------------
    def export(self, queryset, table, file_format):
        user = self.request.user
        if not user.has_perm(access.permission_name(self.model, "export")):
            raise PermissionDenied
        query = _without(self.request.GET.copy(), "export")
        rows = queryset.order_by().count()  # an exact count: the quota charges real rows
        try:
            exporting.quota_reserve(user, rows)
        except exporting.QuotaExceeded as refused:
            exporting.log_export(
                user,
                model=self.model,
                query=query,
                file_format=file_format,
                rows=rows,
                status=ExportStatus.REFUSED,
            )
            messages.error(self.request, refused.message)
            return redirect(self.request.path + "?" + query)
        entry = exporting.log_export(
            user,
            model=self.model,
            query=query,
            file_format=file_format,
            rows=rows,
            status=ExportStatus.QUEUED,
        )
        if rows > settings.EXPORT_ASYNC_THRESHOLD:
            enqueue(
                "core.export_list",
                queue="long",
                log_id=entry.pk,
                view=self.export_view_name(),
                query=query,
            )
            return redirect("core:export_progress", pk=entry.pk)
        return self.export_response(queryset, table, file_format, entry)

    def export_view_name(self) -> str:
        return f"{type(self).__module__}.{type(self).__name__}"

    def export_filename(self, file_format: str) -> str:
        stamp = timezone.localtime().strftime("%Y-%m-%d_%H%M")
        return f"{self.opts.model_name}_{stamp}.{file_format}"

    def export_response(self, queryset, table, file_format, entry):
        objects = table.narrow(queryset).iterator(chunk_size=2000)
        filename = self.export_filename(file_format)
        if file_format == "csv":
            digest = hashlib.sha256()

            def stream():
                yield from exporting.csv_chunks(table.header(), table.export_rows(objects), digest)
                exporting.log_finish(entry, sha256=digest.hexdigest())

            response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        else:
            import tempfile

            handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
            exporting.write_xlsx(
                handle,
                table.header(),
                table.export_rows(objects),
                title=str(self.opts.verbose_name_plural),
            )
            handle.seek(0)
            digest = hashlib.sha256()
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
            handle.seek(0)
            exporting.log_finish(entry, sha256=digest.hexdigest())
            response = FileResponse(
                handle,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class ExportProgressView(ScopedView):
    """The progress of the user's own background export; polled by HTMX until it is done."""

    model = ExportLog

    def get(self, request, pk):
        entry = access.get_for_user(ExportLog.objects.all(), request.user, pk=pk)
        percent = min(100, round(100 * entry.rows_done / entry.rows)) if entry.rows else 100
        context = {"entry": entry, "percent": percent, "done": entry.status != ExportStatus.QUEUED}
        if request.htmx:
            return render(request, "generic/includes/export_progress.html", context)
        return render(request, "generic/export_progress.html", context)


def _without(query, *params) -> str:
    query = query.copy()
    for param in params:
        query.pop(param, None)
    return query.urlencode()


class ObjectDetailView(ScopedView):
    """A card: the fields the user may see in sections, related lists as tabs, and history."""

    template_name = "generic/object_detail.html"
    sections: list[tuple[str, list[str]]] = []
    select_related: tuple[str, ...] = ()
    # field name → callable(obj) giving its display (e.g. a formatted phone)
    displays: dict = {}

    def get(self, request, pk, *args, **kwargs):
        obj = access.get_for_user(
            self.model._default_manager.select_related(*self.select_related), request.user, pk=pk
        )
        tab = request.GET.get("tab", "overview")
        context = {
            "object": obj,
            "opts": self.opts,
            "list_url": self.list_url(),
            "tab": tab,
            "tabs": self.tabs(obj),
            "sections": self.visible_sections(obj),
            "can_change": self.can(obj, "change"),
            "can_delete": self.can(obj, "delete"),
        }
        if tab == "history":
            context["history"] = history_of(request.user, obj, displays=self.displays)
        context.update(self.extra_context(obj, tab))
        if request.htmx and request.htmx.target == "card-tab":
            return render(request, "generic/includes/card_tab.html", context)
        return render(request, self.template_name, context)

    def can(self, obj, action) -> bool:
        user = self.request.user
        if not user.has_perm(access.permission_name(self.model, action)):
            return False
        return (
            self.model._default_manager.filter(pk=obj.pk)
            .filter(access.row_filter(self.model, user, action))
            .exists()
        )

    def tabs(self, obj) -> list[tuple[str, str]]:
        return [("overview", _("Overview")), ("history", _("History"))]

    def extra_context(self, obj, tab) -> dict:
        return {}

    def visible_sections(self, obj) -> list[dict]:
        visible = access.visible_fields(self.request.user, self.model)
        sections = []
        for title, names in self.sections:
            items = []
            for name in names:
                if name not in visible:
                    continue
                field = self.opts.get_field(name)
                show = self.displays.get(name)
                value = show(obj) if show else records.display(obj, field)
                items.append({"label": field.verbose_name, "value": value or "—"})
            if items:
                sections.append({"title": title, "items": items})
        return sections


def history_of(user, obj, limit: int = 200, displays=None) -> list[dict]:
    """The record's audit trail as a list of changes, newest first, in visible fields only."""
    displays = displays or {}
    events = list(obj.events.select_related("pgh_context").order_by("pgh_id")[:limit])
    names = _user_names(events)
    visible = access.visible_fields(user, type(obj)) - access.UNGOVERNED_FIELDS
    fields = [f for f in type(obj)._meta.concrete_fields if f.name in visible]
    entries, previous = [], None
    for event in events:
        changes = []
        for field in fields:
            after = getattr(event, field.attname)
            before = getattr(previous, field.attname) if previous is not None else None
            if previous is None and after in (None, "", False):
                continue
            if previous is None or before != after:
                show = displays.get(field.name) or (lambda row, f=field: records.display(row, f))
                changes.append(
                    {
                        "label": field.verbose_name,
                        "before": show(previous) if previous is not None else "",
                        "after": show(event),
                    }
                )
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        if changes or event.pgh_label != "update":
            entries.append(
                {
                    "when": event.pgh_created_at,
                    "label": event.pgh_label,
                    "who": names.get(metadata.get("user")) or metadata.get("username", ""),
                    "source": _label(Source, metadata.get("source")),
                    "channel": _label(Channel, metadata.get("channel")),
                    "changes": changes,
                }
            )
        previous = event
    return list(reversed(entries))


def _user_names(events) -> dict:
    ids = {e.pgh_context.metadata.get("user") for e in events if e.pgh_context}
    ids.discard(None)
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids)
    return {user.pk: str(user) for user in users.only("first_name", "last_name", "middle_name")}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""


class ObjectEditView(ScopedView):
    """Create (no pk) or edit a record; the field policy shapes the form, the version guards
    against overwriting someone else's save."""

    form_class = None
    template_name = "generic/object_edit.html"
    action = "change"
    # (title, field names) groups, as on the card; fields in none of them come last.
    sections: list[tuple[str, list[str]]] = []

    def dispatch(self, request, *args, **kwargs):
        if "pk" not in kwargs:
            self.action = "add"
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return access.get_for_user(
            self.model._default_manager.all(), self.request.user, "change", pk=pk
        )

    def get_initial(self) -> dict:
        return {}

    def get_form(self, obj, data=None):
        initial = self.get_initial() if obj is None else {}
        form = self.form_class(data=data, instance=obj, user=self.request.user, initial=initial)
        apply_field_policy(form, self.request.user, self.model)
        return form

    def defaults(self) -> dict:
        return {}

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.render_form(self.get_form(obj), obj)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        form = self.get_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(form, obj)
        try:
            saved = self.save(form, obj)
        except records.StaleRecord as stale:
            return self.render_form(form, obj, stale=stale)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_form(form, obj)
        except records.RecordError as error:
            form.add_error(None, error.message)
            return self.render_form(form, obj)
        messages.success(request, _("Saved."))
        return HttpResponseRedirect(self.success_url(saved))

    def save(self, form, obj):
        data = {name: form.cleaned_data[name] for name in form.changed_editable()}
        if obj is None:
            return records.record_create(
                self.request.user, self.model, data=form.cleaned_data, defaults=self.defaults()
            )
        return records.record_update(
            self.request.user, obj, data=data, expected_version=form.cleaned_data.get("version")
        )

    def success_url(self, obj):
        target = self.request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(target, {self.request.get_host()}):
            return target
        return obj.get_absolute_url()

    def render_form(self, form, obj, stale=None):
        context = {
            "form": form,
            "fieldsets": self.fieldsets(form),
            "object": obj,
            "opts": self.opts,
            "stale": stale,
            "list_url": self.list_url(),
        }
        if stale is not None:
            form.data = form.data.copy()
            form.data["version"] = stale.current.version
        return render(self.request, self.template_name, context, status=409 if stale else 200)

    def fieldsets(self, form) -> list[tuple[str, list]]:
        """The form's visible fields in the view's sections (hidden ones already removed)."""
        if not self.sections:
            return [("", list(form.visible_fields()))]
        placed, groups = set(), []
        for title, names in self.sections:
            fields = [form[name] for name in names if name in form.fields and name != "version"]
            placed.update(names)
            if fields:
                groups.append((title, fields))
        rest = [f for f in form.visible_fields() if f.name not in placed]
        if rest:
            groups.append((_("Other"), rest))
        return groups


def apply_field_policy(form, user, model) -> None:
    """Remove hidden fields from a model form and lock read-only ones (the server ignores
    them too: records.* drop fields the user may not edit)."""
    levels = access.field_levels(user, model)
    for name in list(form.fields):
        level = levels.get(name)
        if level == access.FieldLevel.HIDDEN:
            del form.fields[name]
        elif level == access.FieldLevel.READ_ONLY:
            form.fields[name].disabled = True
            form.fields[name].required = False


class ObjectArchiveView(ScopedView):
    """Archive or restore one record (POST only)."""

    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        obj = access.get_for_user(self.model._default_manager.all(), request.user, "change", pk=pk)
        archived = request.POST.get("archived") == "1"
        records.record_set_archived(request.user, obj, archived=archived)
        messages.success(request, _("Archived.") if archived else _("Restored from the archive."))
        return redirect(obj.get_absolute_url())


class ObjectDeleteView(ScopedView):
    """Delete one record after confirmation."""

    action = "delete"
    template_name = "generic/object_delete.html"
    success_url_name = None

    def get(self, request, pk):
        obj = access.get_for_user(self.model._default_manager.all(), request.user, "delete", pk=pk)
        context = {"object": obj, "opts": self.opts, "list_url": self.list_url()}
        return render(request, self.template_name, context)

    def post(self, request, pk):
        obj = access.get_for_user(self.model._default_manager.all(), request.user, "delete", pk=pk)
        try:
            with transaction.atomic():
                records.record_delete(request.user, obj)
        except records.RecordError as error:
            messages.error(request, error.message)
            return redirect(obj.get_absolute_url())
        messages.success(request, _("Deleted: %(name)s.") % {"name": obj})
        return redirect(self.get_success_url(obj))

    def get_success_url(self, obj) -> str:
        return reverse(self.success_url_name)


class BulkEditView(ScopedView):
    """Set the same values on the selected records (those the user may change)."""

    action = "change"
    form_class = None
    template_name = "generic/bulk_edit.html"
    list_url_name = None

    def selected(self):
        raw = self.request.POST.getlist("pk") or self.request.GET.getlist("pk")
        return [int(pk) for pk in raw if str(pk).isdigit()][:500]

    def get_form(self, data=None):
        form = self.form_class(data=data, user=self.request.user)
        editable = access.editable_fields(self.request.user, self.model)
        for name in list(form.fields):
            if name not in editable:
                del form.fields[name]
        return form

    def get(self, request):
        return self.render_form(self.get_form())

    def post(self, request):
        form = self.get_form(request.POST if request.POST.get("confirm") else None)
        if not form.is_bound or not form.is_valid():
            return self.render_form(form)
        data = form.values_to_set()
        try:
            count = self.apply(data)
        except (records.RecordError, ValidationError) as error:
            message = getattr(error, "message", None) or "; ".join(error.messages)
            form.add_error(None, message)
            return self.render_form(form)
        messages.success(request, _("Changed %(count)s records.") % {"count": count})
        return redirect(self.back_url())

    def apply(self, data):
        return records.records_bulk_update(
            self.request.user, self.model, pks=self.selected(), data=data
        )

    def back_url(self):
        back = self.request.POST.get("back", "")
        url = reverse(self.list_url_name)
        return url + ("?" + back if back and "//" not in back else "")

    def render_form(self, form):
        pks = self.selected()
        chosen = self.scoped("change").filter(pk__in=pks)
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "opts": self.opts,
                "objects": chosen[:50],
                "count": chosen.count(),
                "pks": pks,
                "back": self.request.POST.get("back") or self.request.GET.get("back", ""),
                "back_url": self.back_url(),
                "title": self.title(),
            },
        )

    def title(self):
        return _("Edit selected records")


class BulkReassignView(BulkEditView):
    """Give the selected records a new assigned manager."""

    def apply(self, data):
        return records.records_reassign(
            self.request.user, self.model, pks=self.selected(), owner=data["owner"]
        )

    def title(self):
        return _("Reassign selected records")


def querystring(**params) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
