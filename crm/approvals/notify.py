"""Who hears about a change request, and what they read (in their own language)."""

from django.contrib.auth import get_user_model
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from crm.core.choices import Source
from crm.notifications import events
from crm.notifications.models import Delivery
from crm.notifications.services import notify_many

AWAITING = events.register(
    events.EventType(
        "approvals.awaiting", _("A change request awaits your decision"), Delivery.BOTH
    )
)
DECIDED = events.register(
    events.EventType("approvals.decided", _("Your change request was decided"), Delivery.BOTH)
)
RECHECKED = events.register(
    events.EventType(
        "approvals.rechecked",
        _("A change request must be decided again: the record changed"),
        Delivery.BOTH,
    )
)


def _record(request) -> str:
    """The record as notifications name it; the data contractor's requests by number only,
    since a sole proprietor's name is personal data the contractor may not read."""
    if request.source == Source.CONTRACTOR:
        return f"{request.content_type.name} #{request.object_id}"
    record = request.record
    return str(record) if record is not None else f"#{request.object_id}"


def _users(ids):
    return get_user_model().objects.filter(pk__in=list(ids), is_active=True)


def awaiting(request, user_ids) -> int:
    if not user_ids:
        return 0
    return notify_many(
        _users(user_ids),
        AWAITING.key,
        title=format_lazy(
            _("Approve a change to {record} (request no. {pk})"),
            record=_record(request),
            pk=request.pk,
        ),
        body=format_lazy(_("Fields: {fields}."), fields=lazy(_field_names, str)(request)),
        url=request.get_absolute_url(),
    )


def decided(request, actor) -> int:
    if request.author_id is None or request.author_id == getattr(actor, "pk", None):
        return 0
    return notify_many(
        _users([request.author_id]),
        DECIDED.key,
        title=format_lazy(
            _("Request no. {pk} ({record}): {state}"),
            pk=request.pk,
            record=_record(request),
            state=request.get_state_display(),
        ),
        body=format_lazy(_("Decided by {actor}."), actor=_name(actor)),
        url=_url(request),
    )


def _url(request) -> str:
    """Where the author reads the request: the data contractor, who may not open requests
    (their pages show the record), on their own workspace: its rework forms for a returned
    request, else its list of corrections."""
    if request.source == Source.CONTRACTOR:
        from django.urls import reverse

        from crm.approvals.models import RequestState

        anchor = "#rework" if request.state == RequestState.RETURNED else "#submitted"
        return reverse("approvals:contractor") + anchor
    return request.get_absolute_url()


def rechecked(request, user_ids) -> int:
    if not user_ids:
        return 0
    return notify_many(
        _users(user_ids),
        RECHECKED.key,
        title=format_lazy(
            _("{record} changed while request no. {pk} was being approved: decide again"),
            record=_record(request),
            pk=request.pk,
        ),
        url=request.get_absolute_url(),
    )


def _field_names(request) -> str:
    model = request.content_type.model_class()
    names = []
    for item in request.items.all():
        try:
            names.append(str(model._meta.get_field(item.field).verbose_name))
        except Exception:  # a field removed since; show its name
            names.append(item.field)
    return ", ".join(names)


ESCALATED = events.register(
    events.EventType(
        "approvals.escalated", _("A change request is overdue and was escalated"), Delivery.BOTH
    )
)


def escalated(request, target_ids, waiting_ids) -> int:
    """The escalation targets may now decide; the waiting approvers are reminded."""
    sent = 0
    if target_ids:
        sent += notify_many(
            _users(target_ids),
            ESCALATED.key,
            title=format_lazy(
                _("Overdue: request no. {pk} ({record}) waits for your team; you may decide it"),
                pk=request.pk,
                record=_record(request),
            ),
            url=request.get_absolute_url(),
        )
    if waiting_ids:
        sent += notify_many(
            _users(waiting_ids),
            ESCALATED.key,
            title=format_lazy(
                _("Overdue: request no. {pk} ({record}) still waits for your decision"),
                pk=request.pk,
                record=_record(request),
            ),
            url=request.get_absolute_url(),
        )
    return sent


CONFLICT_OPENED = events.register(
    events.EventType(
        "approvals.conflict_opened",
        _("Sources disagree about a value: a data steward decides"),
        Delivery.BOTH,
    )
)
CONFLICT_RESOLVED = events.register(
    events.EventType(
        "approvals.conflict_resolved", _("A conflict between sources was resolved"), Delivery.BOTH
    )
)


def _name(user) -> str:
    if user is None:
        return str(_("the source priority"))
    return user.get_full_name() or user.get_username()


def _conflict_record(conflict) -> str:
    record = conflict.record
    return str(record) if record is not None else f"#{conflict.object_id}"


def conflict_opened(conflict, user_ids) -> int:
    if not user_ids:
        return 0
    return notify_many(
        _users(user_ids),
        CONFLICT_OPENED.key,
        title=format_lazy(
            _("Conflict no. {pk}: sources disagree about {field} of {record}"),
            pk=conflict.pk,
            field=lazy(lambda: conflict.label, str)(),
            record=_conflict_record(conflict),
        ),
        url=conflict.get_absolute_url(),
    )


def conflict_resolved(conflict, user_ids) -> int:
    if not user_ids:
        return 0
    return notify_many(
        _users(user_ids),
        CONFLICT_RESOLVED.key,
        title=format_lazy(
            _("Conflict no. {pk} ({record}) resolved by {steward}"),
            pk=conflict.pk,
            record=_conflict_record(conflict),
            steward=_name(conflict.resolved_by),
        ),
        body=conflict.comment,
        url=conflict.get_absolute_url(),
    )


def import_awaiting(import_job_id: int, counts: dict[int, int]) -> int:
    """After an import: each approver hears once how many of its requests wait for them."""
    from django.urls import reverse

    sent = 0
    for user in _users(counts):
        sent += notify_many(
            [user],
            AWAITING.key,
            title=format_lazy(
                _("Import no. {job}: {count} change requests await your decision"),
                job=import_job_id,
                count=counts[user.pk],
            ),
            url=reverse("approvals:request_list"),
        )
    return sent
