"""The list view: filters, search, sort, columns, saved views, HTMX refresh and exports."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from crm.core import access, exporting
from crm.core.bulk import fetch_instances, fetch_statement, statement_of
from crm.core.forms import style_fields
from crm.core.generic import statements
from crm.core.generic.base import (
    COUNT_CAP,
    OFFSET_LIMIT,
    PAGE_SIZES,
    SEARCH_COUNT_CAP,
    ScopedView,
    count_rows,
    estimate_rows,
    rows_sql,
)
from crm.core.jinja import render_fragment, render_page, url
from crm.core.models import ExportLog, ExportStatus, SavedView
from crm.core.outbox import enqueue


class ObjectListView(ScopedView):
    """One list: filters, search, sort, columns, saved views, HTMX table refresh and export,
    all from the same restricted queryset."""

    table = None
    filterset = None
    # The page: a Jinja2 template extending the layout (rendered whole), or a Django
    # template extending templates/generic/object_list.html (the list arrives as list_html).
    template_name = "generic/object_list.jinja"
    # Jinja2 (crm.core.jinja): the page's content below the title, and its refreshed part.
    list_template = "generic/list.jinja"
    results_template = "generic/list_results.jinja"
    list_key = None
    title = None
    create_url = None
    bulk_actions = True

    def search(self, queryset, text):
        """Narrow the queryset by the search box; override per list."""
        return queryset

    def search_plan(self, text) -> statements.SearchPlan | None:
        """The search for ``text`` as a plan whose statement a list keeps per shape, its
        values bound on each request (``remember_statement``). None (the default): ``search``
        narrows the rows, compiled anew for each text."""
        return None

    def search_placeholder(self) -> str:
        return _("Search")

    def import_url(self) -> str | None:
        """The import wizard for this model, for users with its import permission."""
        from crm.core.imports import registry

        spec = registry.get(self.opts.label_lower)
        if spec is None or not self.request.user.has_perm(spec.permission):
            return None
        return url("core:import_upload") + "?model=" + self.opts.label_lower

    def list_note(self) -> dict | None:
        """A line above the table for a filter without a visible control (e.g. "outlets of
        dealer X"): {"text": ..., "clear_url": ...}; None for none."""
        return None

    # --- request handling --------------------------------------------------------------
    def get(self, request, *args, **kwargs):
        views = self.saved_views()
        table = self.build_table(views)
        filterset, problems = self.filter_form()
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            queryset = self.filtered(table, filterset, problems)[0]
            return self.export(queryset, table, export)
        context = self.page_context(
            lambda search=None: self.filtered(table, filterset, problems, search=search)[0],
            table,
            filterset,
            views,
            problems,
        )
        if request.htmx and request.htmx.target == "list-results":
            return HttpResponse(render_fragment(self.results_template, context, request))
        if self.template_name.endswith(".jinja"):
            return render_page(request, self.template_name, context)
        context["list_html"] = mark_safe(render_fragment(self.list_template, context, request))  # noqa: S308 (autoescaped by Jinja2)
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
        elif action == "delete_view" and request.POST.get("view", "").isdigit():
            mine = access.restrict(SavedView.objects.all(), user)
            mine.filter(list_key=key, pk=request.POST["view"]).exclude(name="").delete()
        return redirect(request.path + "?" + request.POST.get("query", ""))

    # --- building blocks ---------------------------------------------------------------
    def get_list_key(self) -> str:
        return self.list_key or self.opts.label_lower

    def saved_views(self) -> list[SavedView]:
        from crm.accounts.scopes import saved_views

        user, key = self.request.user, self.get_list_key()
        loaded = saved_views(user, key)  # read with the request's user, no query of its own
        if loaded is not None:
            return loaded
        mine = access.restrict(SavedView.objects.all(), user)
        return list(mine.filter(list_key=key))

    def build_table(self, views):
        chosen = self.request.GET.getlist("columns") or next(
            (view.columns for view in views if view.is_default), None
        )
        return self.table(self.request.user, chosen)

    def filter_form(self):
        """The bound filterset, without the filters of fields hidden from the user, and the
        problems to show: (filterset or None, problems)."""
        if self.filterset is None:
            return None, []
        # Always bound, so filters with a default (archived rows hidden) apply on first view.
        # The rows come later (``filtered``): a remembered statement needs none.
        filterset = self.filterset(
            self.request.GET, queryset=self.model._default_manager.none(), request=self.request
        )
        hidden = access.hidden_fields(self.request.user, self.model)
        for name, declared in list(filterset.filters.items()):
            base = declared.field_name.split("__")[0].removesuffix("_id")
            if base in hidden:
                del filterset.filters[name]
        style_fields(filterset.form)
        problems = []
        if filterset.is_bound and not filterset.is_valid():
            problems.append(_("Some filters were not understood and are ignored."))
        return filterset, problems

    def filtered(self, table, filterset=None, problems=None, *, search=None):
        """The user's rows narrowed by the filters, the search and the sort: (queryset,
        filterset, problems); the filterset as ``filter_form`` builds it unless given.
        ``search``, the search's plan (``search_plan``), where the caller has it already."""
        if filterset is None and problems is None:
            filterset, problems = self.filter_form()
        queryset = self.scoped()
        if filterset is not None and not problems:
            queryset = filterset.filter_queryset(queryset)
        text = self.request.GET.get("q", "").strip()
        if search is None and text:
            search = self.search_plan(text)
        if search is not None:
            queryset = search.applied(queryset)
        elif text:
            queryset = self.search(queryset, text)
        requested = self.request.GET.get("sort", "")
        sorting = table.sort_key(requested) if requested else None
        if sorting is not None:
            queryset = queryset.order_by(*sorting[1])
        return queryset, filterset, problems

    # Whether this list's first page statement may be remembered (crm.core.generic.statements):
    # only where it is a function of the statement key, i.e. no filter or search of the
    # list reads the database, or the clock finer than a day, to build its SQL.
    remember_statement = False

    def statement_key(self, table, problems, search=None) -> tuple | None:
        """What the first page's statement is a function of, or None not to remember it;
        ``search``, the search's plan, where there is one."""
        request = self.request
        if not self.remember_statement:
            return None
        if request.GET.get("q", "").strip() and search is None:
            return None  # a search without a shape: compiled every time, never kept
        user = request.user
        scope = getattr(user, "_crm_scope", None)
        if scope is None:
            return None
        skipped = ("page", "q") if search is not None else ("page",)
        query = tuple(
            sorted(
                (name, tuple(values)) for name, values in request.GET.lists() if name not in skipped
            )
        )
        return (
            type(self),
            self.args,
            tuple(sorted(self.kwargs.items())),
            user.pk,
            user.is_superuser,
            scope,
            query,
            tuple(column.name for column in table.shown),
            bool(problems),
            timezone.localdate(),
            search.shape if search is not None else None,
        )

    def page_context(self, queryset, table, filterset, views, problems):
        """The page's context; ``queryset`` is the filtered queryset, or a function building
        it, called only when the page needs it (not for a remembered first page whose count
        is known)."""
        request = self.request
        if callable(queryset):
            build, queryset = queryset, None
        else:
            build = None  # a queryset given as it is: nothing to remember it by
        text = request.GET.get("q", "").strip()
        plan = self.search_plan(text) if text else None

        def filtered_rows():
            nonlocal queryset
            if queryset is None:
                queryset = build(search=plan)
            return queryset

        try:
            size = int(request.GET.get("size", 50))
        except ValueError:
            size = 50
        size = size if size in PAGE_SIZES else 50
        try:
            number = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            number = 1
        searching = bool(text)
        fetched = same_rows = remembered = None
        if number == 1:
            # The first page first: when it is not full (a search, a narrow filter), it is
            # the whole result and its length the exact count, without a COUNT query. When
            # it is full, its statement keys the remembered count and estimate.
            fetched, remembered, same_rows = self._first_page(
                build, filtered_rows, table, problems, size, plan
            )
        if fetched is not None and len(fetched) <= size:
            total, more, estimate = len(fetched), False, len(fetched)
        else:

            def rows_statement():
                if remembered is None or remembered.slots:
                    return rows_sql(filtered_rows())
                if remembered.rows is None:
                    remembered.rows = rows_sql(filtered_rows())
                return remembered.rows

            db = remembered.fetch.db if remembered is not None else filtered_rows().db
            cap = SEARCH_COUNT_CAP if searching else COUNT_CAP
            total, more = count_rows(rows_statement, db, cap, same_rows=same_rows)
            estimate = estimate_rows(rows_statement, db, same_rows=same_rows) if more else total
        if more and estimate <= total:
            estimate = None  # the planner guesses fewer than were counted: say "more than"
        last = OFFSET_LIMIT // size if more else max(1, -(-total // size))
        number = min(number, last)
        if fetched is None:  # a later page: read after the count has bounded its number
            fetched = fetch_instances(
                table.narrow(filtered_rows())[(number - 1) * size : number * size + 1]
            )
        objects, has_next = fetched[:size], len(fetched) > size
        can_change = request.user.has_perm(access.permission_name(self.model, "change"))
        query = request.GET.copy()
        for param in ("page", "export"):
            query.pop(param, None)
        selectable = self.bulk_actions and can_change
        rows = table.rows(objects, selectable=selectable)
        sort = request.GET.get("sort", "")
        query_without_sort = _without(query, "sort")
        return {
            "view": self,
            "title": self.title or self.opts.verbose_name_plural.capitalize(),
            "opts": self.opts,
            "table": table,
            "rows": rows,
            "head_html": table.head_html(
                sort=sort, query=query_without_sort, selectable=selectable
            ),
            "body_html": table.body_html(rows),
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
            "query_without_sort": query_without_sort,
            "sort": sort,
            "search_text": request.GET.get("q", ""),
            "search_placeholder": self.search_placeholder(),
            "saved_views": [v for v in views if v.name],
            "can_export": request.user.has_perm(access.permission_name(self.model, "export")),
            "can_change": can_change,
            "can_add": request.user.has_perm(access.permission_name(self.model, "add")),
            "create_url": self.create_url,
            "bulk_actions": self.bulk_actions,
            "list_note": self.list_note(),
            "import_url": self.import_url(),
        }

    def _first_page(self, build, filtered_rows, table, problems, size, plan):
        """The first page's rows (one more than ``size``, to tell a full page), through the
        statement remembered for it where there is one: (rows, PageStatement or None, the
        (SQL, parameters) that keys the count where the page is full). ``plan``, the
        search's, if any."""
        key = self.statement_key(table, problems, plan) if build is not None else None
        remembered = statements.recall(key) if key is not None else None
        first = None
        if remembered is None and key is not None and plan is not None:
            # Compiled once per search shape, with markers where the text's values go.
            probe = table.narrow(build(search=plan.with_markers()))
            compiled = fetch_statement(probe[: size + 1])
            remembered = compiled and statements.with_slots(compiled, len(plan.values))
            if remembered is not None:
                statements.keep(key, remembered)
        if remembered is None:
            first = table.narrow(filtered_rows())[: size + 1]
            compiled = fetch_statement(first)
            fetched = list(first) if compiled is None else compiled.fetch()
            if compiled is not None and key is not None and plan is None:
                # (A search whose markers found no slots is never kept: its statement holds
                # this text's values, and the key is its shape's.)
                remembered = statements.PageStatement(compiled)
                statements.keep(key, remembered)
            same_rows = statement_of(first) if len(fetched) > size else None
            return fetched, remembered, same_rows
        bound = remembered.bound(plan.values if plan is not None else ())
        fetched = bound.fetch()
        same_rows = (bound.sql, bound.params) if len(fetched) > size else None
        return fetched, remembered, same_rows

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
            exporting.log_finish(entry, sha256=exporting.sha256_of_handle(handle))
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
