"""Pages of the import wizard: upload → map columns → check → import → result, the log, undo.

Every page is a ScopedView over ImportJob (people reach their own imports; administrators
read all); the model's own import permission (``clients.import_organisation``...) is checked
by the services and before any page of a job is shown.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.core import access
from crm.core.generic import ScopedView
from crm.core.imports import registry, services
from crm.core.imports.forms import MappingForm, UploadForm
from crm.core.imports.models import ImportJob, ImportMapping, ImportStatus
from crm.core.records import RecordError

ERRORS_PER_PAGE = 50


class ImportView(ScopedView):
    model = ImportJob

    def spec_or_403(self, label):
        spec = registry.get(label)
        if spec is None:
            raise Http404
        if not self.request.user.has_perm(spec.permission):
            raise PermissionDenied
        return spec

    def job(self, pk, action="view") -> ImportJob:
        return access.get_for_user(
            ImportJob.objects.select_related("user"), self.request.user, action, pk=pk
        )


class ImportListView(ImportView):
    """The import log: the user's imports (administrators: everyone's), newest first."""

    def get(self, request):
        jobs = self.scoped().select_related("user")
        page = Paginator(jobs, 50).get_page(request.GET.get("page"))
        labels = _labels()
        specs = [(spec.label, labels[spec.label]) for spec in registry.specs_for(request.user)]
        return render(
            request, "imports/job_list.html", {"page": page, "specs": specs, "labels": labels}
        )


class ImportUploadView(ImportView):
    """Step 1: choose the file (the model comes from the list page's "Import" link)."""

    def get(self, request):
        spec = self.spec_or_403(request.GET.get("model", ""))
        return self.render_form(spec, UploadForm(mappings=self.mappings(spec)))

    def post(self, request):
        spec = self.spec_or_403(request.GET.get("model", ""))
        form = UploadForm(request.POST, request.FILES, mappings=self.mappings(spec))
        if not form.is_valid():
            return self.render_form(spec, form)
        try:
            job = services.import_upload(
                request.user,
                spec=spec,
                upload=form.cleaned_data["file"],
                mapping_id=form.cleaned_data.get("mapping"),
            )
        except RecordError as error:
            form.add_error("file", error.message)
            return self.render_form(spec, form)
        return redirect("core:import_map", pk=job.pk)

    def mappings(self, spec):
        mine = access.restrict(ImportMapping.objects.all(), self.request.user)
        return list(mine.filter(model=spec.label))

    def render_form(self, spec, form):
        return render(
            self.request,
            "imports/upload.html",
            {"form": form, "spec": spec, "opts": spec.model._meta, "list_url": _list_url(spec)},
            status=200 if not form.errors else 400,
        )


class ImportMapView(ImportView):
    """Step 2: which column goes into which field (only fields the user may edit)."""

    def get(self, request, pk):
        job = self.job(pk, "change")
        spec = self.spec_or_403(job.model)
        return self.render_form(job, spec, self.form(job, spec))

    def post(self, request, pk):
        job = self.job(pk, "change")
        spec = self.spec_or_403(job.model)
        form = self.form(job, spec, request.POST)
        if not form.is_valid():
            return self.render_form(job, spec, form)
        try:
            services.import_set_mapping(
                request.user,
                job=job,
                mapping=form.mapping(),
                save_as=form.cleaned_data["save_as"],
            )
            services.import_check(request.user, job=job)
        except RecordError as error:
            form.add_error(None, error.message)
            return self.render_form(job, spec, form)
        return redirect("core:import_detail", pk=job.pk)

    def form(self, job, spec, data=None):
        meta = spec.model._meta
        choices = [
            (name, str(meta.get_field(name).verbose_name).capitalize())
            for name in spec.mappable_fields(self.request.user)
        ]
        return MappingForm(data, headers=job.headers, choices=choices, initial_mapping=job.mapping)

    def render_form(self, job, spec, form):
        rows = [
            {"field": field, "samples": [row[i] if i < len(row) else "" for row in job.sample]}
            for i, field in enumerate(form.column_fields())
        ]
        return render(
            self.request,
            "imports/map.html",
            {"job": job, "spec": spec, "form": form, "rows": rows, "opts": spec.model._meta},
        )


class ImportDetailView(ImportView):
    """Check result, progress (polled by HTMX while a task runs) and the import's result."""

    def get(self, request, pk):
        job = self.job(pk)
        spec = registry.get(job.model)
        page = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            "job": job,
            "spec": spec,
            "opts": spec.model._meta if spec else None,
            "errors_page": page,
            "hidden_errors": max(0, job.error_count - len(job.errors)),
            "mine": job.user_id == request.user.pk,
            "list_url": _list_url(spec) if spec else None,
        }
        if request.htmx and job.busy:
            return render(request, "imports/includes/progress.html", context)
        if request.htmx:
            response = render(request, "imports/includes/progress.html", context)
            response["HX-Refresh"] = "true"  # the work finished: show the full result page
            return response
        return render(request, "imports/job_detail.html", context)


class ImportConfirmView(ImportView):
    """Step 3: import the checked file."""

    http_method_names = ["post"]

    def post(self, request, pk):
        job = self.job(pk, "change")
        self.spec_or_403(job.model)
        try:
            services.import_apply(request.user, job=job)
        except RecordError as error:
            messages.error(request, error.message)
        else:
            if job.status == ImportStatus.DONE:
                messages.success(request, _("Imported."))
        return redirect("core:import_detail", pk=job.pk)


class ImportUndoView(ImportView):
    """Undo a finished import, or say which rows were edited since."""

    http_method_names = ["post"]

    def post(self, request, pk):
        job = self.job(pk)
        self.spec_or_403(job.model)
        try:
            services.import_undo(request.user, job=job)
        except RecordError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The import was undone."))
        return redirect("core:import_detail", pk=job.pk)


def _labels() -> dict[str, str]:
    return {
        spec.label: str(spec.model._meta.verbose_name_plural).capitalize()
        for spec in registry.all_specs()
    }


def _list_url(spec):
    from django.urls import NoReverseMatch, reverse

    meta = spec.model._meta
    try:
        return reverse(f"{meta.app_label}:{meta.model_name}_list")
    except NoReverseMatch:
        return None
