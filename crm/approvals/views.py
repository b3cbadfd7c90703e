"""Pages of change requests: the approver's queue (filters, overdue highlighted, bulk approve)
and the request itself (values old and new, the route and its decisions, the state history,
and the actions the user may take: decide, rework, withdraw)."""

import hashlib
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import URLField
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.approvals import conflicts, contractor, services
from crm.approvals.models import (
    ChangeRequest,
    Conflict,
    ConflictState,
    Delegation,
    RequestState,
    TransitionLog,
    Verdict,
)
from crm.core import access
from crm.core.choices import Source
from crm.core.exporting import log_export, log_finish
from crm.core.generic import ScopedView
from crm.core.imports import parsing
from crm.core.models import ExportStatus
from crm.core.records import RecordError

QUEUE_LIMIT = 500  # requests waiting for one approver that the queue evaluates at once

SHOW_CHOICES = [
    ("decide", gettext_lazy("Waiting for my decision")),
    ("mine", gettext_lazy("My requests")),
    ("all", gettext_lazy("All I can see")),
]


class RequestListView(ScopedView):
    model = ChangeRequest

    def get(self, request):
        show = request.GET.get("show", "decide")
        show = show if show in dict(SHOW_CHOICES) else "decide"
        state = request.GET.get("state", "open")
        overdue_only = request.GET.get("overdue") == "1"
        queryset = (
            self.scoped()
            .select_related("author", "content_type")
            # the record, items and decisions of a page in a few queries, not per row
            .prefetch_related("items", "groups__decisions", "record")
        )
        now = timezone.now()
        if show == "decide":
            queryset = queryset.filter(
                state=RequestState.PENDING, approver_ids__contains=[request.user.pk]
            )
        elif show == "mine":
            queryset = queryset.filter(author=request.user)
        if state == "open":
            queryset = queryset.filter(state__in=[RequestState.PENDING, RequestState.RETURNED])
        elif state in RequestState.values:
            queryset = queryset.filter(state=state)
        if overdue_only:
            queryset = queryset.filter(state=RequestState.PENDING, deadline__lt=now)
        type_id = request.GET.get("type", "")
        if type_id.isdigit():
            queryset = queryset.filter(content_type_id=int(type_id))
        if show == "decide":
            waiting = [r for r in queryset[:QUEUE_LIMIT] if services.decidable(r, request.user)]
            page = Paginator(waiting, 50).get_page(request.GET.get("page"))
        else:
            page = Paginator(queryset, 50).get_page(request.GET.get("page"))
        rows = [
            {
                "request": r,
                "record": r.record,
                "fields": ", ".join(str(item.label) for item in r.items.all()),
                "overdue": r.state == RequestState.PENDING and r.deadline and r.deadline < now,
                "can_decide": show == "decide",
            }
            for r in page
        ]
        types = ContentType.objects.filter(pk__in=self.scoped().values("content_type"))
        return render(
            request,
            "approvals/request_list.html",
            {
                "page": page,
                "rows": rows,
                "show": show,
                "show_choices": SHOW_CHOICES,
                "state": state,
                "state_choices": [("open", _("Open")), *RequestState.choices, ("any", _("Any"))],
                "overdue_only": overdue_only,
                "types": [(t.pk, t.model_class()._meta.verbose_name_plural) for t in types],
                "type_id": type_id,
                "query": request.GET.urlencode(),
            },
        )

    def post(self, request):
        """Bulk approval of the selected requests waiting for the user."""
        approved = 0
        chosen = [int(pk) for pk in request.POST.getlist("pk") if pk.isdigit()]
        for change_request in self.scoped().filter(pk__in=chosen):
            if services.decidable(change_request, request.user):
                services.change_request_decide(
                    request.user, request=change_request, verdict=Verdict.APPROVE
                )
                approved += 1
        if approved:
            messages.success(request, _("Approved: %(count)s.") % {"count": approved})
        else:
            messages.warning(request, _("Nothing was approved: choose requests waiting for you."))
        return redirect(request.path + "?" + request.POST.get("query", ""))


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=Verdict.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


def rework_form(change_request, data=None, prefix=None):
    """The author's form for a returned request: one field per requested value."""
    model = change_request.content_type.model_class()
    form = forms.Form(data=data, prefix=prefix)
    for item in change_request.items.all():
        model_field = model._meta.get_field(item.field)
        # A site typed without its scheme is https, as on the organisation form.
        https = {"assume_scheme": "https"} if isinstance(model_field, URLField) else {}
        field = model_field.formfield(**https)
        if field is None:
            continue
        field.initial = item.new_value
        field.required = False
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)
        form.fields[item.field] = field
    return form


class RequestDetailView(ScopedView):
    model = ChangeRequest

    def get(self, request, pk):
        change_request = self.get_request(pk)
        return self.page(change_request)

    def get_request(self, pk) -> ChangeRequest:
        return access.get_for_user(
            ChangeRequest.objects.select_related("author", "content_type"),
            self.request.user,
            pk=pk,
        )

    def page(self, change_request, *, decision_form=None, rework=None, status=200):
        user = self.request.user
        record = change_request.record
        visible = access.visible_fields(user, change_request.content_type.model_class())
        items = [i for i in change_request.items.all() if i.field in visible]
        groups = []
        for group in change_request.groups.all():
            decisions = list(group.decisions.select_related("user", "on_behalf_of"))
            open_steps = services.open_steps(group, change_request.round)
            steps = []
            for index, step in enumerate(group.route):
                names = _names(step["users"])
                steps.append(
                    {
                        "label": step["label"],
                        "users": names,
                        "decisions": [d for d in decisions if d.step == index],
                        "waiting": index in open_steps,
                    }
                )
            groups.append({"group": group, "steps": steps})
        can_decide = bool(services.decidable(change_request, user))
        is_author = change_request.author_id == user.pk
        return render(
            self.request,
            "approvals/request_detail.html",
            {
                "object": change_request,
                "record": record,
                "record_url": _record_url(user, record),
                "items": items,
                "groups": groups,
                "log": _log(change_request),
                "can_decide": can_decide,
                "from_contractor": change_request.source == Source.CONTRACTOR,
                "escalated_names": _names(change_request.escalated_to),
                "decision_form": decision_form or DecisionForm(),
                "can_rework": is_author and change_request.state == RequestState.RETURNED,
                "rework_form": rework or (rework_form(change_request) if is_author else None),
                "can_cancel": is_author and change_request.is_open,
                "overdue": change_request.state == RequestState.PENDING
                and change_request.deadline
                and change_request.deadline < timezone.now(),
            },
            status=status,
        )

    def post(self, request, pk):
        change_request = self.get_request(pk)
        action = request.POST.get("action")
        try:
            if action == "decide":
                form = DecisionForm(request.POST)
                if not form.is_valid():
                    return self.page(change_request, decision_form=form, status=400)
                services.change_request_decide(
                    request.user,
                    request=change_request,
                    verdict=form.cleaned_data["verdict"],
                    comment=form.cleaned_data["comment"],
                )
            elif action == "rework":
                form = rework_form(change_request, request.POST)
                if not form.is_valid():
                    return self.page(change_request, rework=form, status=400)
                services.change_request_resubmit(
                    request.user,
                    request=change_request,
                    changes=form.cleaned_data,
                    comment=request.POST.get("comment", ""),
                )
            elif action == "cancel":
                services.change_request_cancel(request.user, request=change_request)
            else:
                return self.page(change_request, status=400)
        except RecordError as error:
            messages.error(request, error.message)
            return self.page(self.get_request(pk), status=400)
        messages.success(request, _("Done."))
        return redirect("approvals:request_detail", pk=change_request.pk)


def _log(change_request) -> list[dict]:
    """The request's state changes, states as people read them."""
    labels = dict(RequestState.choices)
    entries = TransitionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(ChangeRequest),
        object_id=change_request.pk,
    ).select_related("actor")
    return [
        {
            "entry": entry,
            "from": labels.get(entry.from_state, ""),
            "to": labels.get(entry.to_state, entry.to_state),
        }
        for entry in entries
    ]


def _names(user_ids) -> list[str]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=user_ids).order_by("last_name", "first_name")
    return [u.get_full_name() or u.get_username() for u in users]


def _record_url(user, record) -> str | None:
    """The record's card, when the user may open it."""
    if record is None or not hasattr(record, "get_absolute_url"):
        return None
    if not access.can(user, record, "view"):
        return None
    return record.get_absolute_url()


class ConflictListView(ScopedView):
    """The data stewards' moderation queue: open conflicts first, oldest first."""

    model = Conflict

    def get(self, request):
        state = request.GET.get("state", ConflictState.OPEN)
        queryset = (
            self.scoped().select_related("content_type").prefetch_related("entries", "record")
        )
        if state in ConflictState.values:
            queryset = queryset.filter(state=state)
        queryset = queryset.order_by("created_at") if state == ConflictState.OPEN else queryset
        page = Paginator(queryset, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "approvals/conflict_list.html",
            {
                "page": page,
                "rows": [{"conflict": c, "record": c.record} for c in page],
                "state": state,
                "state_choices": [*ConflictState.choices, ("any", _("Any"))],
            },
        )


class ResolveForm(forms.Form):
    choice = forms.CharField(widget=forms.HiddenInput, required=False)
    other = forms.CharField(label=gettext_lazy("Another value"), required=False)
    comment = forms.CharField(
        label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ConflictDetailView(ScopedView):
    model = Conflict

    def get_conflict(self, pk) -> Conflict:
        return access.get_for_user(
            Conflict.objects.select_related("content_type", "resolved_by"),
            self.request.user,
            pk=pk,
        )

    def get(self, request, pk):
        return self.page(self.get_conflict(pk))

    def page(self, conflict, *, form=None, status=200):
        user = self.request.user
        model = conflict.content_type.model_class()
        record = conflict.record
        visible = conflict.field in access.visible_fields(user, model)
        current = None
        if record is not None and visible:
            from crm.approvals.display import value_display

            current = value_display(
                model, conflict.field, services.plain(getattr(record, _attname(model, conflict)))
            )
        return render(
            self.request,
            "approvals/conflict_detail.html",
            {
                "object": conflict,
                "record": record,
                "record_url": _record_url(user, record),
                "visible": visible,
                "current": current,
                "entries": list(conflict.entries.select_related("author", "request"))
                if visible
                else [],
                "resolved_display": _resolved_display(conflict, model) if visible else "",
                "can_resolve": conflict.state == ConflictState.OPEN
                and user.has_perm(conflicts.RESOLVE_PERMISSION),
                "form": form or ResolveForm(),
            },
            status=status,
        )

    def post(self, request, pk):
        conflict = self.get_conflict(pk)
        form = ResolveForm(request.POST)
        if not form.is_valid():
            return self.page(conflict, form=form, status=400)
        choice = form.cleaned_data["choice"]
        entry = None
        if choice.isdigit():
            entry = conflict.entries.filter(pk=int(choice)).first()
        elif choice != "other":
            form.add_error(None, _("Choose one of the values or enter another."))
            return self.page(conflict, form=form, status=400)
        try:
            conflicts.conflict_resolve(
                request.user,
                conflict=conflict,
                entry=entry,
                value=form.cleaned_data["other"] if entry is None else None,
                comment=form.cleaned_data["comment"],
            )
        except RecordError as error:
            form.add_error(None, error.message)
            return self.page(self.get_conflict(pk), form=form, status=400)
        messages.success(request, _("Resolved."))
        return redirect("approvals:conflict_detail", pk=conflict.pk)


def _attname(model, conflict) -> str:
    return model._meta.get_field(conflict.field).attname


def _resolved_display(conflict, model) -> str:
    from crm.approvals.display import value_display

    if conflict.state != ConflictState.RESOLVED:
        return ""
    return value_display(model, conflict.field, conflict.resolved_value)


class ContractorUploadForm(forms.Form):
    dataset = forms.ChoiceField(label=gettext_lazy("Data"))
    file = forms.FileField(label=gettext_lazy("Corrected workbook (XLSX)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].choices = [(k, d.label) for k, d in contractor.DATASETS.items()]
        self.fields["dataset"].widget.attrs["class"] = "form-select"
        self.fields["file"].widget.attrs.update({"class": "form-control", "accept": ".xlsx"})


class ContractorView(ScopedView):
    """The data contractor's workspace: depersonalised workbooks out, corrections back in as
    change requests. No page here shows a record's values (personal data never reaches the
    contractor's screen)."""

    model = ChangeRequest

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(contractor.PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        key = request.GET.get("export", "")
        if key:
            dataset = contractor.DATASETS.get(key)
            if dataset is None:
                raise Http404
            return self.export(dataset)
        return self.page(ContractorUploadForm())

    def export(self, dataset):
        content = contractor.export_workbook(dataset)
        entry = log_export(
            self.request.user,
            model=dataset.model,
            query="contractor=1",
            file_format="xlsx",
            rows=0,
            status=ExportStatus.QUEUED,
        )
        log_finish(entry, sha256=hashlib.sha256(content).hexdigest())
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="{dataset.key}-{stamp}.xlsx"'
        return response

    def post(self, request):
        action = request.POST.get("action")
        if action in ("rework", "withdraw"):
            return self.act_on_returned(action)
        form = ContractorUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form, status=400)
        dataset = contractor.DATASETS[form.cleaned_data["dataset"]]
        upload = form.cleaned_data["file"]
        if upload.size > parsing.MAX_BYTES:
            form.add_error("file", parsing.too_big_message())
            return self.page(form, status=400)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload.xlsx"
            with path.open("wb") as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
            outcome = contractor.import_workbook(request.user, dataset, path, upload.name)
        return self.page(
            ContractorUploadForm(), outcome=outcome, status=400 if outcome.errors else 200
        )

    def act_on_returned(self, action):
        """Correct and send again, or withdraw, one of the contractor's own returned
        requests (any other request's number is a 404)."""
        user = self.request.user
        number = self.request.POST.get("request", "")
        if not number.isdigit():
            raise Http404
        change_request = get_object_or_404(contractor.own_requests(user), pk=number)
        form = rework_form(change_request, self.request.POST, prefix=_rework_prefix(number))
        try:
            if action == "withdraw":
                services.change_request_cancel(user, request=change_request)
                messages.success(
                    self.request, _("Request no. %(pk)s withdrawn.") % {"pk": change_request.pk}
                )
                return redirect(reverse("approvals:contractor") + "#submitted")
            if not form.is_valid():
                return self.page(
                    ContractorUploadForm(), rework={change_request.pk: form}, status=400
                )
            services.change_request_resubmit(
                user,
                request=change_request,
                changes=form.cleaned_data,
                comment=self.request.POST.get(f"{_rework_prefix(number)}-comment", ""),
            )
        except RecordError as error:
            if action == "rework" and change_request.state == RequestState.RETURNED:
                form.add_error(None, error.message)  # shown with the values it is about
            else:  # decided or withdrawn meanwhile (another tab, a second click)
                messages.error(self.request, error.message)
            return self.page(ContractorUploadForm(), rework={change_request.pk: form}, status=400)
        messages.success(
            self.request,
            _("Request no. %(pk)s sent for approval again.") % {"pk": change_request.pk},
        )
        return redirect(reverse("approvals:contractor") + "#submitted")

    def page(self, form, outcome=None, status=200, rework=None):
        counts, latest = contractor.submissions(self.request.user)
        returned = contractor.returned(self.request.user)
        rework = rework or {}
        for change_request in returned:
            prefix = _rework_prefix(change_request.pk)
            change_request.rework_form = rework.get(change_request.pk) or rework_form(
                change_request, prefix=prefix
            )
            # A refused rework keeps the comment typed with it.
            sent = change_request.pk in rework
            change_request.rework_comment = (
                self.request.POST.get(f"{prefix}-comment", "") if sent else ""
            )
        return render(
            self.request,
            "approvals/contractor.html",
            {
                "form": form,
                "outcome": outcome,
                "datasets": contractor.DATASETS.values(),
                "states": [
                    (value, label, counts.get(value, 0)) for value, label in RequestState.choices
                ],
                "submitted": sum(counts.values()),
                "latest": latest,
                "returned": returned,
                "returned_count": counts.get(RequestState.RETURNED, 0),
            },
            status=status,
        )


def _rework_prefix(number) -> str:
    return f"r{number}"


class DelegationForm(forms.ModelForm):
    class Meta:
        model = Delegation
        fields = ["delegate", "starts", "ends"]
        widgets = {
            "starts": forms.DateInput(attrs={"type": "date", "class": "form-control"}),
            "ends": forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        staff = get_user_model().objects.filter(is_active=True, position__isnull=False)
        self.fields["delegate"].queryset = staff.exclude(pk=user.pk).order_by(
            "last_name", "first_name"
        )
        self.fields["delegate"].widget.attrs["class"] = "form-select"
        self.instance.user = user


class DelegationView(ScopedView):
    """An approver's own delegations: who decides instead of them while they are away."""

    model = ChangeRequest

    def get(self, request):
        return self.page(DelegationForm(user=request.user))

    def post(self, request):
        if request.POST.get("action") == "delete" and request.POST.get("pk", "").isdigit():
            Delegation.objects.filter(user=request.user, pk=int(request.POST["pk"])).delete()
            messages.success(request, _("The delegation was removed."))
            return redirect("approvals:delegation")
        form = DelegationForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.page(form, status=400)
        delegation = form.save()
        services.delegation_saved(delegation)
        messages.success(request, _("Saved."))
        return redirect("approvals:delegation")

    def page(self, form, status=200):
        mine = Delegation.objects.filter(user=self.request.user).select_related("delegate")
        mine = mine.filter(ends__gte=timezone.localdate())
        return render(
            self.request,
            "approvals/delegation.html",
            {"form": form, "delegations": mine},
            status=status,
        )
