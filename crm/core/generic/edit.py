"""Create and edit with optimistic locking; archive, delete, bulk edit, bulk reassign."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from crm.core import access, records, sanity
from crm.core.audit import audit_context_add
from crm.core.generic.base import ScopedView


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
        before = copy.copy(obj)  # a ModelForm writes the posted values onto its instance
        form = self.get_form(obj, request.POST)
        if not form.is_valid():
            return self.render_form(form, obj)
        warnings = sanity.warnings_for(request.user, self.model, before, form.cleaned_data)
        if warnings and request.POST.get(sanity.CONFIRM_FIELD) != sanity.digest(warnings):
            return self.render_form(
                form, obj, value_warnings=warnings, warnings_digest=sanity.digest(warnings)
            )
        if warnings:  # confirmed: the history of this save records what was seen
            audit_context_add(confirmed_warnings=[w.message for w in warnings])
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
        note = getattr(saved, "_write_note", "")  # e.g. fields sent for approval
        saved_text = _("Saved.")  # outside the f-string, where xgettext finds it
        messages.success(request, f"{saved_text} {note}".strip())
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

    def render_form(self, form, obj, stale=None, **extra):
        context = {
            "form": form,
            "fieldsets": self.fieldsets(form),
            "object": obj,
            "opts": self.opts,
            "stale": stale,
            "list_url": self.list_url(),
            **extra,
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
