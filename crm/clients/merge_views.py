"""Duplicates of organisations and contacts: the warning on the edit form, the list of likely
duplicates of a record, the side-by-side merge screen, the merge result and its undo."""

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.clients import duplicates
from crm.clients.models import Contact, Organisation
from crm.core import access, merge, records
from crm.core.generic import ScopedView
from crm.core.merge_models import MergeLog

SAVE_ANYWAY = "save_anyway"

# Fields whose change on an existing record is worth a duplicate check.
CHECKED_ON_EDIT = {
    Organisation: ("name", "legal_name", "inn", "kpp", "phone", "email"),
    Contact: ("last_name", "first_name", "phone", "mobile", "email", "email_secondary"),
}


def find_duplicates(user, model, values: dict, exclude_pk=None) -> list[duplicates.Candidate]:
    """Likely duplicates of a record with these values, among the rows the user may view."""
    if model is Organisation:
        keys = ("inn", "kpp", "phone", "email", "name", "legal_name")
        return duplicates.organisation_duplicates(
            user, exclude_pk=exclude_pk, **{k: values.get(k) or "" for k in keys}
        )
    keys = ("phone", "mobile", "email", "email_secondary", "last_name", "first_name")
    return duplicates.contact_duplicates(
        user,
        organisation=values.get("organisation"),
        exclude_pk=exclude_pk,
        **{k: values.get(k) or "" for k in keys},
    )


class DuplicatesFound(Exception):  # noqa: N818
    def __init__(self, candidates):
        super().__init__("duplicates")
        self.candidates = candidates


class DuplicateWarningMixin:
    """For an ObjectEditView: before saving a new record (or a change of its name, INN, KPP,
    phone or e-mail) that looks like records already there, show them and ask to confirm."""

    duplicates_base = "generic/object_edit.html"

    def save(self, form, obj):
        if self.request.POST.get(SAVE_ANYWAY) != "1" and self._worth_checking(form, obj):
            found = find_duplicates(
                self.request.user, self.model, form.cleaned_data, obj.pk if obj else None
            )
            if found:
                raise DuplicatesFound(found)
        return super().save(form, obj)

    def _worth_checking(self, form, obj) -> bool:
        if obj is None:
            return True
        names = [n for n in CHECKED_ON_EDIT[self.model] if n in form.cleaned_data]
        stored = self.model._default_manager.filter(pk=obj.pk).values(*names).first() or {}
        return any((stored.get(n) or "") != (form.cleaned_data.get(n) or "") for n in names)

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except DuplicatesFound as found:
            obj = self.get_object()
            form = self.get_form(obj, request.POST)
            form.is_valid()
            return self.render_form(form, obj, duplicates=found.candidates)

    def render_form(self, form, obj, stale=None, **extra):
        if extra.get("duplicates"):
            self.template_name = "clients/includes/duplicates_edit.html"
            extra["duplicates_base"] = self.duplicates_base
            extra["merge_url_name"] = f"clients:{self.opts.model_name}_merge"
        return super().render_form(form, obj, stale, **extra)


class DuplicatesView(ScopedView):
    """Likely duplicates of one record, with links to compare and merge (a card fragment)."""

    action = "view"

    def get(self, request, pk):
        obj = access.get_for_user(self.model._default_manager.all(), request.user, pk=pk)
        values = {f.name: getattr(obj, f.name) for f in self.opts.concrete_fields}
        visible = access.visible_fields(request.user, self.model)
        values = {name: value for name, value in values.items() if name in visible}
        context = {
            "object": obj,
            "opts": self.opts,
            "duplicates": find_duplicates(request.user, self.model, values, exclude_pk=obj.pk),
            "can_merge": access.can(request.user, obj, "change"),
            "merge_url_name": f"clients:{self.opts.model_name}_merge",
            "merged_into": merge.merged_into(self.model, obj.pk),
        }
        if not request.htmx:
            return render(request, "clients/merge_duplicates.html", context)
        if not context["duplicates"] and not context["merged_into"]:
            # On the card, a panel that only says "none found" is noise above the record.
            return HttpResponse("")
        return render(request, "clients/includes/duplicates_card.html", context)


class MergeView(ScopedView):
    """Two records side by side; a radio per differing field picks the surviving value."""

    action = "change"
    template_name = "clients/merge.html"

    def pair(self, data):
        try:
            keep_pk, drop_pk = int(data.get("keep", "")), int(data.get("drop", ""))
        except ValueError:
            raise Http404 from None
        if keep_pk == drop_pk:
            raise Http404
        if not self.request.user.has_perm(access.permission_name(self.model, "delete")):
            raise PermissionDenied
        rows = self.model._default_manager.all()
        keep = access.get_for_user(rows, self.request.user, "change", pk=keep_pk)
        access.get_for_user(rows, self.request.user, "change", pk=drop_pk)
        drop = access.get_for_user(rows, self.request.user, "delete", pk=drop_pk)
        return keep, drop

    def get(self, request):
        keep, drop = self.pair(request.GET)
        return self.render_screen(keep, drop)

    def post(self, request):
        keep, drop = self.pair(request.POST)
        picks = {}
        for field in merge.pickable_fields(request.user, self.model):
            if request.POST.get(f"pick_{field.name}") == "drop":
                picks[field.name] = getattr(drop, field.name)
        try:
            log = merge.records_merge(
                request.user,
                survivor=keep,
                dropped=drop,
                values=picks,
                survivor_version=_int(request.POST.get("keep_version")),
                dropped_version=_int(request.POST.get("drop_version")),
            )
        except records.StaleRecord as stale:
            keep.refresh_from_db()
            drop.refresh_from_db()
            return self.render_screen(keep, drop, stale=stale, status=409)
        except records.RecordError as error:
            return self.render_screen(keep, drop, error=error.message, status=400)
        except ValidationError as error:
            return self.render_screen(keep, drop, error=" ".join(error.messages), status=400)
        messages.success(request, _("Merged. You can undo the merge from this page."))
        return redirect(reverse(f"clients:{self.opts.model_name}_merge_log", args=[log.pk]))

    def render_screen(self, keep, drop, status=200, **extra):
        rows = []
        for field in merge.pickable_fields(self.request.user, self.model):
            left, right = getattr(keep, field.attname), getattr(drop, field.attname)
            rows.append(
                {
                    "name": field.name,
                    "label": field.verbose_name,
                    "keep": records.display(keep, field),
                    "drop": records.display(drop, field),
                    "differs": left != right,
                }
            )
        relations = [
            {"label": r.model._meta.verbose_name_plural, "count": _count(r, self.model, drop)}
            for r in merge.relations_of(self.model)
        ]
        context = {
            "keep": keep,
            "drop": drop,
            "rows": rows,
            "relations": [r for r in relations if r["count"]],
            "opts": self.opts,
            "list_url": self.list_url(),
            "swap_url": f"?keep={drop.pk}&drop={keep.pk}",
            **extra,
        }
        return render(self.request, self.template_name, context, status=status)


def _count(relation, model, obj) -> int:
    return merge._rows_pointing(relation, model, obj.pk).count()


def _relation_label(label: str) -> str:
    try:
        return str(apps.get_model(label.rsplit(".", 1)[0])._meta.verbose_name_plural)
    except LookupError:
        return label


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MergeLogView(ScopedView):
    """What a merge did, with the undo button (for users who may change the survivor)."""

    action = "change"
    template_name = "clients/merge_done.html"

    def get_log(self, pk):
        logs = MergeLog.objects.filter(content_type__model=self.opts.model_name)
        log = logs.filter(content_type__app_label=self.opts.app_label, pk=pk).first()
        if log is None:
            raise Http404
        rows = self.model._base_manager.all()
        survivor = access.get_for_user(rows, self.request.user, "change", pk=log.survivor_id)
        dropped = self.model._base_manager.filter(pk=log.dropped_id).first()
        return log, survivor, dropped

    def get(self, request, pk):
        log, survivor, dropped = self.get_log(pk)
        return self.render_log(log, survivor, dropped)

    def post(self, request, pk):
        log, survivor, dropped = self.get_log(pk)
        try:
            merge.merge_undo(request.user, log)
        except records.RecordError as error:
            messages.error(request, error.message)
            return self.render_log(log, survivor, dropped, status=409)
        messages.success(request, _("The merge was undone."))
        return redirect(dropped.get_absolute_url() if dropped else survivor.get_absolute_url())

    def render_log(self, log, survivor, dropped, status=200):
        moved = [
            {"label": _relation_label(entry["relation"]), "count": len(entry["pks"])}
            for entry in log.moved
        ]
        context = {
            "log": log,
            "survivor": survivor,
            "dropped": dropped,
            "moved": moved,
            "blockers": [] if log.undone_at else merge.merge_blockers(self.request.user, log),
            "opts": self.opts,
            "list_url": self.list_url(),
        }
        return render(self.request, self.template_name, context, status=status)


class OrganisationDuplicatesView(DuplicatesView):
    model = Organisation


class OrganisationMergeView(MergeView):
    model = Organisation


class OrganisationMergeLogView(MergeLogView):
    model = Organisation


class ContactDuplicatesView(DuplicatesView):
    model = Contact


class ContactMergeView(MergeView):
    model = Contact


class ContactMergeLogView(MergeLogView):
    model = Contact
