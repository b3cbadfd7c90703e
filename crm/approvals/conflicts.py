"""Conflicts between sources: two sources propose different values for one field (open
requests from each), or the ERP sends a value that contradicts a pending or recently approved
manual one. A source priority for the field settles it at once; otherwise the competing values
leave their requests and wait side by side for a data steward, who picks one (or enters
another) with a comment, and everyone involved is told.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts import roles
from crm.approvals import notify
from crm.approvals.models import (
    OPEN_STATES,
    ChangeRequest,
    Conflict,
    ConflictEntry,
    ConflictState,
    GroupState,
    RequestItem,
    RequestState,
    SourcePriority,
)
from crm.approvals.workflow import transition
from crm.core.choices import Source
from crm.core.records import RecordError, access_denied

GO, HOLD, LOSE = "go", "hold", "lose"
MANUAL_SOURCES = (Source.STAFF, Source.DEALER, Source.SUB_DEALER, Source.CONTRACTOR)
RESOLVE_PERMISSION = "approvals.resolve_conflict"


def recent_days() -> int:
    return settings.APPROVALS_CONFLICT_DAYS


def _priority(model, field: str) -> SourcePriority | None:
    content_type = ContentType.objects.get_for_model(model)
    for priority in SourcePriority.objects.filter(content_type=content_type, is_active=True):
        if field in priority.fields:
            return priority
    return None


def _rival_items(record, field, source, value) -> list[RequestItem]:
    items = RequestItem.objects.filter(
        request__content_type=ContentType.objects.get_for_model(type(record)),
        request__object_id=record.pk,
        request__state__in=OPEN_STATES,
        field=field,
    ).exclude(request__source=source)
    return [item for item in items.select_related("request") if item.new_value != value]


def _recent_manual(record, field, value, current) -> RequestItem | None:
    """A manual value approved lately that the record still holds and ``value`` contradicts."""
    since = timezone.now() - timedelta(days=recent_days())
    item = (
        RequestItem.objects.filter(
            request__content_type=ContentType.objects.get_for_model(type(record)),
            request__object_id=record.pk,
            request__state=RequestState.APPLIED,
            request__source__in=MANUAL_SOURCES,
            request__decided_at__gte=since,
            field=field,
        )
        .select_related("request")
        .order_by("-request__decided_at")
        .first()
    )
    if item is not None and item.new_value == current and item.new_value != value:
        return item
    return None


def check(actor, record, field, *, source, channel, value, current) -> str:
    """What to do with a new ``value`` of ``field`` from ``source``: GO (no conflict, or the
    priority lets it win), LOSE (a stronger source holds the field) or HOLD (taken into a
    conflict for a data steward)."""
    model = type(record)
    open_conflict = Conflict.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id=record.pk,
        field=field,
        state=ConflictState.OPEN,
    ).first()
    rivals = _rival_items(record, field, source, value)
    recent = _recent_manual(record, field, value, current) if source == Source.ERP else None
    if open_conflict is None and not rivals and recent is None:
        return GO
    contenders = [(item.request.source, item) for item in rivals]
    if recent is not None:
        contenders.append((recent.request.source, recent))
    priority = _priority(model, field) if open_conflict is None else None
    if priority is not None:
        mine = priority.rank(source)
        ranks = [priority.rank(other) for other, _item in contenders]
        if all(mine < rank for rank in ranks):
            conflict = _record(record, field, actor, source, channel, value, contenders)
            for item in rivals:
                _take_out(item, conflict, _("Another source wins by the source priority."))
            _settle(
                conflict,
                None,
                value,
                source,
                _("By the source priority “%(name)s”.") % {"name": priority.name},
            )
            return GO
        if any(rank < mine for rank in ranks):
            conflict = _record(record, field, actor, source, channel, value, contenders)
            winner = min(contenders, key=lambda c: priority.rank(c[0]))[1]
            _settle(
                conflict,
                None,
                winner.new_value,
                winner.request.source,
                _("By the source priority “%(name)s”.") % {"name": priority.name},
            )
            return LOSE
    conflict = open_conflict or _record(record, field, actor, source, channel, value, [])
    if open_conflict is not None:
        _add_entry(conflict, actor, source, channel, value)
    for other_source, item in contenders:
        _add_entry(
            conflict,
            item.request.author,
            other_source,
            item.request.channel,
            item.new_value,
            request=item.request,
            applied=item is recent,
        )
    for item in rivals:
        _take_out(
            item,
            conflict,
            _("The value went to a data steward: conflict no. %(pk)s.") % {"pk": conflict.pk},
        )
    notify.conflict_opened(conflict, stewards() | set(conflict.party_ids))
    return HOLD


def _record(record, field, actor, source, channel, value, contenders) -> Conflict:
    conflict = Conflict.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        field=field,
    )
    _add_entry(conflict, actor, source, channel, value)
    for other_source, item in contenders:
        _add_entry(
            conflict,
            item.request.author,
            other_source,
            item.request.channel,
            item.new_value,
            request=item.request,
            applied=item.request.state == RequestState.APPLIED,
        )
    return conflict


def _add_entry(conflict, author, source, channel, value, *, request=None, applied=False):
    if conflict.entries.filter(source=source, value=value, request=request).exists():
        return
    ConflictEntry.objects.create(
        conflict=conflict,
        source=source,
        channel=channel,
        author=author,
        value=value,
        request=request,
        proposed_at=request.created_at if request is not None else timezone.now(),
        applied=applied,
    )
    if author is not None and author.pk not in conflict.party_ids:
        conflict.party_ids = sorted({*conflict.party_ids, author.pk})
        Conflict.objects.filter(pk=conflict.pk).update(party_ids=conflict.party_ids)


def _take_out(item: RequestItem, conflict: Conflict, reason: str) -> None:
    """Remove a competing value from its open request; a request left empty is withdrawn,
    one whose remaining parts are all approved is applied."""
    from crm.approvals import services

    request = ChangeRequest.objects.select_for_update().get(pk=item.request_id)
    group = item.group
    item.delete()
    if not group.items.exists():
        group.delete()
    if not request.items.exists():
        request.decided_at = timezone.now()
        transition(request, "cancel", comment=reason, check_permission=False)
    elif request.state == RequestState.PENDING and all(
        g.state == GroupState.APPROVED for g in request.groups.all()
    ):
        services._apply(request, None, reason)


def _settle(conflict, steward, value, source, comment) -> None:
    conflict.refresh_from_db()
    conflict.resolved_value = value
    conflict.resolved_source = source or ""
    conflict.resolved_by = steward
    conflict.resolved_at = timezone.now()
    conflict.comment = comment
    # A steward passes the transition's permission; a source priority acts as the system.
    transition(conflict, "resolve", actor=steward, comment=comment)


def stewards() -> set[int]:
    """Users who may resolve conflicts (the permission, by default the approver role and the
    administrators)."""
    users = get_user_model().objects.filter(is_active=True)
    holders = users.filter(groups__permissions__codename="resolve_conflict").values_list(
        "pk", flat=True
    )
    direct = users.filter(user_permissions__codename="resolve_conflict").values_list(
        "pk", flat=True
    )
    found = set(holders) | set(direct)
    if not found:
        found = set(users.filter(groups__name=roles.ADMINISTRATOR).values_list("pk", flat=True))
    return found


@transaction.atomic
def conflict_resolve(steward, *, conflict: Conflict, entry=None, value=None, comment: str):
    """The steward's decision: one entry's value, or another value typed in; written to the
    record (with history) unless it is already there; all parties are notified."""
    from crm.approvals import services

    if not steward.has_perm(RESOLVE_PERMISSION):
        raise access_denied()
    conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.state != ConflictState.OPEN:
        raise RecordError(_("This conflict is already resolved."))
    if not comment.strip():
        raise RecordError(_("Say why in a comment: every party will read it."))
    model = conflict.content_type.model_class()
    record = model._default_manager.select_for_update().filter(pk=conflict.object_id).first()
    if record is None:
        raise RecordError(_("The record no longer exists."))
    model_field = services._field(model, conflict.field)
    if entry is not None:
        chosen, source = entry.value, entry.source
    else:
        chosen = services.plain(services._python(model_field, services.plain(value)))
        source = Source.STAFF
    if services._current(record, model_field) != chosen:
        services._write(
            record,
            {conflict.field: chosen},
            source=source,
            channel="web",
            user=steward,
            conflict=conflict.pk,
        )
    _settle(conflict, steward, chosen, source, comment)
    notify.conflict_resolved(conflict, set(conflict.party_ids) - {steward.pk})
    return conflict
