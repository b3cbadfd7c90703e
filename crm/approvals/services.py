"""The one entry for proposed changes, and the decisions on them.

``change_request_submit`` takes a change to a record from any source (staff editing a card, a
dealer's proposal, the ERP sync, the data contractor, the geocoder, the API): fields no rule
governs for that source are written at once (with history), the others become a change request
routed to their approvers. Decisions go through ``change_request_decide``; a final approval
applies the values atomically after checking that the record did not change meanwhile.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm.approvals import conflicts, notify, routes
from crm.approvals.models import (
    ChangeRequest,
    Decision,
    Delegation,
    GroupState,
    Mode,
    RequestGroup,
    RequestItem,
    RequestState,
    TransitionLog,
    Verdict,
)
from crm.approvals.workflow import transition
from crm.core import access, records
from crm.core.audit import audit_context, current_context
from crm.core.choices import Channel, Source
from crm.core.records import RecordError, access_denied

# Sources whose author is a person acting in the CRM's pages or API: their edits are checked
# against the access policy here. The ERP, the system and the geocoder write as the CRM.
PERSONAL_SOURCES = (Source.STAFF, Source.DEALER, Source.SUB_DEALER, Source.CONTRACTOR)
# Deadline of a request for values no rule covers (they go to the data stewards).
STEWARD_DEADLINE_HOURS = 72


@dataclass
class Submitted:
    """What a submission did: fields written at once, the request made for the others."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # taken into a conflict for a data steward / outranked by a stronger source
    held: list[str] = field(default_factory=list)
    overruled: list[str] = field(default_factory=list)
    request: ChangeRequest | None = None


plain = records.plain_value  # a value as the request stores it (JSON)


def _field(model, name: str) -> models.Field:
    try:
        found = model._meta.get_field(name)
    except Exception:
        raise RecordError(_("Unknown field: %(name)s.") % {"name": name}) from None
    if not found.concrete or not found.editable or found.primary_key:
        raise RecordError(_("The field %(name)s cannot be changed.") % {"name": name})
    return found


def _current(record, model_field) -> Any:
    return plain(getattr(record, model_field.attname))


def _python(model_field, value):
    if value is None:
        return None
    if model_field.is_relation:
        return model_field.target_field.to_python(value)
    return model_field.to_python(value)


def _lock(record):
    model = type(record)
    return model._default_manager.select_for_update().get(pk=record.pk)


def _write(record, values: dict[str, Any], *, source, channel, user, **context) -> None:
    """Write plain values onto the locked record with history and a version bump."""
    model = type(record)
    names = []
    for name, value in values.items():
        model_field = _field(model, name)
        setattr(record, model_field.attname, _python(model_field, value))
        names.append(model_field.name)
    if hasattr(record, "version"):
        record.version += 1
        names.append("version")
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        names.append("updated_at")
    try:
        record.full_clean(
            exclude=[f.name for f in model._meta.concrete_fields if f.name not in names]
        )
    except ValidationError as error:
        raise RecordError(" ".join(error.messages)) from None
    with audit_context(source=source, channel=channel, user=user, **context):
        record.save(update_fields=names)


def _check_actor(actor, record, source, names) -> None:
    """Staff change records they may change; a proposal from a dealer, sub-dealer or the data
    contractor needs only the record in view (approvers decide; fields no rule governs are
    checked again before a direct write). The field policy applies to everyone."""
    if actor is None or source not in PERSONAL_SOURCES:
        return
    action = "change" if source == Source.STAFF else "view"
    if not access.can(actor, record, action):
        raise access_denied()
    editable = access.editable_fields(actor, type(record))
    refused = [n for n in names if n not in editable]
    if refused:
        raise RecordError(
            _("You may not change: %(fields)s.")
            % {
                "fields": ", ".join(
                    str(type(record)._meta.get_field(n).verbose_name) for n in refused
                )
            }
        )


@transaction.atomic
def change_request_submit(
    actor, *, source, channel, record, changes: dict[str, Any], comment: str = ""
) -> Submitted:
    """Propose ``changes`` (field name → value) to ``record`` from ``source`` via ``channel``."""
    model = type(record)
    record = _lock(record)
    _check_actor(actor, record, source, list(changes))
    governing = routes.rules_for(model, source)
    result = Submitted()
    direct: dict[str, Any] = {}
    requested: dict[int, list[tuple[str, Any, Any]]] = {}
    rules = {}
    for name, value in changes.items():
        model_field = _field(model, name)
        new = plain(_python(model_field, plain(value)))
        old = _current(record, model_field)
        if new == old:
            result.unchanged.append(model_field.name)
            continue
        rule = governing.get(model_field.name)
        if rule is not None or source == Source.ERP:
            outcome = conflicts.check(
                actor,
                record,
                model_field.name,
                source=source,
                channel=channel,
                value=new,
                current=old,
            )
            if outcome == conflicts.LOSE:
                result.overruled.append(model_field.name)
                continue
            if outcome == conflicts.HOLD:
                result.held.append(model_field.name)
                continue
        if rule is None:
            direct[model_field.name] = new
        else:
            rules[rule.pk] = rule
            requested.setdefault(rule.pk, []).append((model_field.name, old, new))
    if direct:
        if (
            actor is not None
            and source in PERSONAL_SOURCES
            and source != Source.STAFF
            and not access.can(actor, record, "change")
        ):
            raise RecordError(
                _("From this source only fields under an approval rule can be proposed: %(f)s.")
                % {"f": ", ".join(str(model._meta.get_field(n).verbose_name) for n in direct)}
            )
        _write(record, direct, source=source, channel=channel, user=actor)
        result.written = list(direct)
    if requested:
        result.request = _open_request(actor, record, source, channel, comment, rules, requested)
    return result


def _open_request(
    actor, record, source, channel, comment, rules, requested, loose=(), *, quiet=False
) -> ChangeRequest:
    """A request for ``requested`` ({rule pk: [(field, old, new)]}) and ``loose`` values no
    rule governs ([(field, old, new)], routed to the data stewards)."""
    author_id = actor.pk if actor is not None else None
    now = timezone.now()
    hours = min([rules[pk].deadline_hours for pk in requested] or [STEWARD_DEADLINE_HOURS])
    request = ChangeRequest.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)),
        object_id=record.pk,
        source=source,
        channel=channel,
        author=actor,
        comment=comment,
        deadline=now + timedelta(hours=hours),
    )
    approvers: set[int] = set()
    for pk, entries in requested.items():
        rule = rules[pk]
        mode, route = routes.freeze_route(rule, record, author_id=author_id)
        group = RequestGroup.objects.create(
            request=request, rule=rule, rule_name=rule.name, mode=mode, route=route
        )
        for step in route:
            approvers.update(step["users"])
        RequestItem.objects.bulk_create(
            [
                RequestItem(request=request, group=group, field=name, old_value=old, new_value=new)
                for name, old, new in entries
            ]
        )
    if loose:
        stewards = sorted(conflicts.stewards() - {author_id})
        group = RequestGroup.objects.create(
            request=request,
            rule_name=str(_("Corrections without a rule: data stewards")),
            mode=Mode.ANY,
            route=[{"label": str(_("Data stewards")), "users": stewards}],
        )
        approvers.update(stewards)
        RequestItem.objects.bulk_create(
            [
                RequestItem(request=request, group=group, field=name, old_value=old, new_value=new)
                for name, old, new in loose
            ]
        )
    request.approver_ids = sorted(approvers)
    request.save(update_fields=["approver_ids"])
    TransitionLog.objects.create(
        content_type=ContentType.objects.get_for_model(ChangeRequest),
        object_id=request.pk,
        transition="submit",
        from_state="",
        to_state=RequestState.PENDING,
        actor=actor,
        comment=comment,
    )
    if not quiet:  # an import announces its requests once, when it is done
        announce(request, waiting_users(request))
    return request


def announce(request: ChangeRequest, user_ids: set[int]) -> None:
    """Tell ``user_ids`` the request waits for them, and the delegates of those who are away
    (who are added to the request's approvers so that they see it and find it in their queue)."""
    today = timezone.localdate()
    delegates = set(
        Delegation.objects.filter(
            user_id__in=user_ids, starts__lte=today, ends__gte=today
        ).values_list("delegate_id", flat=True)
    )
    widen(request, delegates)
    notify.awaiting(request, set(user_ids) | delegates)


def widen(request: ChangeRequest, user_ids) -> None:
    """Add users to those who may see the request and find it in their queue."""
    extra = set(user_ids) - set(request.approver_ids)
    if extra:
        request.approver_ids = sorted(set(request.approver_ids) | extra)
        ChangeRequest.objects.filter(pk=request.pk).update(approver_ids=request.approver_ids)


# --- who decides what now ------------------------------------------------------------------


def _approved_steps(group: RequestGroup, round_number: int) -> set[int]:
    # .all() so that a queue page's prefetched decisions serve every request without a query
    return {
        d.step
        for d in group.decisions.all()
        if d.round == round_number and d.verdict == Verdict.APPROVE
    }


def open_steps(group: RequestGroup, round_number: int) -> list[int]:
    """Indexes of the steps of a pending group that may be decided now."""
    if group.state != GroupState.PENDING:
        return []
    done = _approved_steps(group, round_number)
    remaining = [i for i in range(len(group.route)) if i not in done]
    if group.mode == Mode.SEQUENCE:
        return remaining[:1]
    return remaining


def waiting_users(request: ChangeRequest) -> set[int]:
    """Users whose decision the request waits for now."""
    users: set[int] = set()
    for group in request.groups.all():
        for index in open_steps(group, request.round):
            users.update(group.route[index]["users"])
    return users


def represented(user, today=None) -> set[int]:
    """Approvers ``user`` stands in for today (their active delegations to ``user``)."""
    today = today or timezone.localdate()
    return set(
        Delegation.objects.filter(delegate=user, starts__lte=today, ends__gte=today).values_list(
            "user_id", flat=True
        )
    )


def decidable(request: ChangeRequest, user) -> list[tuple[RequestGroup, int, int | None]]:
    """(group, step, on behalf of) for each step ``user`` may decide now: as an approver on
    the route, as the delegate of one who is away, or as the one the overdue request was
    escalated to."""
    if request.state != RequestState.PENDING or user is None:
        return []
    standing_in = None
    triples = []
    for group in request.groups.all():
        for index in open_steps(group, request.round):
            users = group.route[index]["users"]
            if user.pk in users:
                triples.append((group, index, None))
                continue
            if standing_in is None:
                standing_in = represented(user)
            stand_for = sorted(standing_in & set(users))
            if stand_for:
                triples.append((group, index, stand_for[0]))
            elif user.pk in request.escalated_to:
                triples.append((group, index, None))
    return triples


def _group_complete(group: RequestGroup, round_number: int) -> bool:
    done = _approved_steps(group, round_number)
    if group.mode == Mode.ANY:
        return bool(done)
    return all(i in done for i in range(len(group.route)))


# --- decisions -----------------------------------------------------------------------------


@transaction.atomic
def change_request_decide(actor, *, request: ChangeRequest, verdict: str, comment: str = ""):
    """Approve, reject or return the request as ``actor``; returns the request."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    triples = decidable(request, actor)
    if not triples:
        raise RecordError(_("This request is not waiting for your decision."))
    if verdict in (Verdict.REJECT, Verdict.RETURN) and not comment.strip():
        raise RecordError(_("Say why in a comment: the author will read it."))
    Decision.objects.bulk_create(
        [
            Decision(
                request=request,
                group=group,
                round=request.round,
                step=index,
                user=actor,
                on_behalf_of_id=on_behalf,
                verdict=verdict,
                comment=comment,
            )
            for group, index, on_behalf in triples
        ]
    )
    if verdict == Verdict.REJECT:
        request.decided_at = timezone.now()
        transition(request, "reject", actor=actor, comment=comment, check_permission=False)
        notify.decided(request, actor)
        return request
    if verdict == Verdict.RETURN:
        transition(
            request, "return_for_rework", actor=actor, comment=comment, check_permission=False
        )
        notify.decided(request, actor)
        return request
    for group in {group.pk: group for group, _index, _for in triples}.values():
        if _group_complete(group, request.round):
            group.state = GroupState.APPROVED
            group.approved_in_round = request.round
            group.save(update_fields=["state", "approved_in_round"])
    if all(g.state == GroupState.APPROVED for g in request.groups.all()):
        return _apply(request, actor, comment)
    announce(request, waiting_users(request) - {actor.pk})
    return request


def _apply(request: ChangeRequest, actor, comment: str) -> ChangeRequest:
    """Write the approved values, unless the record changed meanwhile: then the changed
    fields are re-checked (new "old" values, their groups pending again, a new round)."""
    model = request.content_type.model_class()
    record = model._default_manager.select_for_update().filter(pk=request.object_id).first()
    if record is None:
        request.decided_at = timezone.now()
        transition(
            request,
            "cancel",
            actor=actor,
            comment=_("The record no longer exists."),
            check_permission=False,
        )
        return request
    items = list(request.items.select_related("group"))
    moved = []
    for item in items:
        current = _current(record, _field(model, item.field))
        if current != item.old_value and current != item.new_value:
            item.old_value = current
            moved.append(item)
    if moved:
        request.round += 1
        for item in moved:
            item.changed_in_round = request.round
            item.save(update_fields=["old_value", "changed_in_round"])
        RequestGroup.objects.filter(pk__in={item.group_id for item in moved}).update(
            state=GroupState.PENDING, approved_in_round=None
        )
        request.save(update_fields=["round", "updated_at"])
        notify.rechecked(request, waiting_users(request))
        return request
    values = {item.field: item.new_value for item in items}
    _write(
        record,
        values,
        source=request.source,
        channel=request.channel,
        user=request.author,
        change_request=request.pk,
        approved_by=getattr(actor, "pk", None),
    )
    request.decided_at = timezone.now()
    transition(request, "apply", actor=actor, comment=comment, check_permission=False)
    notify.decided(request, actor)
    return request


@transaction.atomic
def change_request_resubmit(
    actor, *, request: ChangeRequest, changes: dict[str, Any], comment: str = ""
) -> ChangeRequest:
    """The author's rework of a returned request: new values for some of its fields. Groups
    whose values did not change keep their approval; the others are decided again."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.author_id != getattr(actor, "pk", None):
        raise access_denied()
    if request.state != RequestState.RETURNED:
        raise RecordError(_("Only a request returned for rework can be sent again."))
    model = request.content_type.model_class()
    items = {item.field: item for item in request.items.all()}
    unknown = [name for name in changes if name not in items]
    if unknown:
        raise RecordError(
            _("These fields are not part of the request: %(names)s.")
            % {"names": ", ".join(unknown)}
        )
    # Checked as a first proposal is (the field's own validators: a KPP of the wrong
    # shape is refused here too), all before anything is written.
    record = request.record
    cleaned = {
        name: plain(_cleaned(model, record, name, plain(value))) for name, value in changes.items()
    }
    request.round += 1
    touched_groups = set()
    for name, new in cleaned.items():
        item = items[name]
        if new != item.new_value:
            item.new_value = new
            item.changed_in_round = request.round
            item.save(update_fields=["new_value", "changed_in_round"])
            touched_groups.add(item.group_id)
    # A group not approved before is decided again whatever changed.
    request.groups.filter(pk__in=touched_groups).update(
        state=GroupState.PENDING, approved_in_round=None
    )
    request.save(update_fields=["round", "updated_at"])
    transition(request, "resubmit", actor=actor, comment=comment, check_permission=False)
    if all(g.state == GroupState.APPROVED for g in request.groups.all()):
        return _apply(request, actor, comment)
    announce(request, waiting_users(request))
    return request


@transaction.atomic
def change_request_cancel(actor, *, request: ChangeRequest, comment: str = "") -> ChangeRequest:
    """The author withdraws an open request."""
    request = ChangeRequest.objects.select_for_update().get(pk=request.pk)
    if request.author_id != getattr(actor, "pk", None):
        raise access_denied()
    if not request.is_open:
        raise RecordError(_("This request is already closed."))
    request.decided_at = timezone.now()
    transition(request, "cancel", actor=actor, comment=comment, check_permission=False)
    return request


def pending_for(record) -> list[RequestItem]:
    """Open requested values of a record, for its card ("pending approval")."""
    return list(
        RequestItem.objects.filter(
            request__content_type=ContentType.objects.get_for_model(type(record)),
            request__object_id=record.pk,
            request__state__in=[RequestState.PENDING, RequestState.RETURNED],
        ).select_related("request", "request__author")
    )


def staff_edit_gate(user, record, values: dict) -> dict:
    """records.record_update's gate: fields of ``values`` under an approval rule for staff
    become a change request (kept on the record as ``_change_request`` for the page's
    message); the rest is returned to be written as usual, in the same transaction."""
    model = type(record)
    governing = routes.rules_for(model, Source.STAFF)
    if not governing:
        return values
    rest, requested, rules, held = {}, {}, {}, []
    for name, value in values.items():
        rule = governing.get(name)
        model_field = model._meta.get_field(name)
        new, old = plain(value), _current(record, model_field)
        if rule is None or new == old:
            rest[name] = value
            continue
        outcome = conflicts.check(
            user,
            record,
            name,
            source=Source.STAFF,
            channel=current_context("channel", Channel.WEB),
            value=new,
            current=old,
        )
        if outcome != conflicts.GO:
            held.append(str(model_field.verbose_name))  # outranked, or for a data steward
            continue
        rules[rule.pk] = rule
        requested.setdefault(rule.pk, []).append((model_field.name, old, new))
    notes = []
    if requested:
        channel = current_context("channel", Channel.WEB)  # the page or the API
        record._change_request = _open_request(
            user, record, Source.STAFF, channel, "", rules, requested
        )
        names = [
            str(model._meta.get_field(n).verbose_name)
            for e in requested.values()
            for n, _old, _new in e
        ]
        notes.append(_("Sent for approval: %(fields)s.") % {"fields": ", ".join(names)})
    if held:
        notes.append(
            _("Other sources disagree about %(fields)s: not saved, a data steward decides.")
            % {"fields": ", ".join(held)}
        )
    record._write_note = " ".join(notes)
    return rest


# --- deadlines -----------------------------------------------------------------------------


def escalation_targets(request: ChangeRequest) -> list[int]:
    """The line managers of the approvers the request waits for (not the author, not those
    approvers themselves); the administrators where nobody is above them."""
    from django.contrib.auth import get_user_model

    waiting = waiting_users(request)
    users = get_user_model().objects
    managers = set(
        users.filter(pk__in=waiting, manager__is_active=True).values_list("manager_id", flat=True)
    )
    targets = managers - waiting - {request.author_id}
    if not targets:
        targets = set(routes._fallback()) - waiting - {request.author_id}
    return sorted(targets)


def escalate_overdue(now=None, limit: int = 500) -> int:
    """Escalate each pending request past its deadline, exactly once: its waiting approvers'
    line managers may decide its open steps too, and they and the approvers are told.
    Returns the number escalated. Run by beat (approvals.escalate_overdue)."""
    now = now or timezone.now()
    escalated = 0
    overdue = ChangeRequest.objects.filter(
        state=RequestState.PENDING, deadline__lt=now, escalated_at__isnull=True
    ).order_by("deadline")[:limit]
    for request in overdue:
        with transaction.atomic():
            targets = escalation_targets(request)
            approvers = sorted(set(request.approver_ids) | set(targets))
            # The WHERE makes it once, whoever else runs the task at the same moment.
            won = ChangeRequest.objects.filter(pk=request.pk, escalated_at__isnull=True).update(
                escalated_at=now, escalated_to=targets, approver_ids=approvers
            )
            if not won:
                continue
            request.escalated_to, request.approver_ids = targets, approvers
            notify.escalated(request, targets, waiting_users(request))
            escalated += 1
    return escalated


def delegation_saved(delegation: Delegation) -> int:
    """A delegation was entered: its delegate may see and decide the open requests waiting
    for the approver (checked against its dates when deciding). Returns how many."""
    waiting = ChangeRequest.objects.filter(
        state=RequestState.PENDING, approver_ids__contains=[delegation.user_id]
    )
    count = 0
    for request in waiting:
        widen(request, {delegation.delegate_id})
        count += 1
    return count


class Proposals:
    """crm.core.records.PROPOSALS for bulk writers: which fields need approval, and a request
    for a record's values (one per record), conflicts checked as for any submission."""

    def governed(self, model, source) -> dict:
        """{field: rule} for ``source``; a bulk writer keeps it for its run."""
        return routes.rules_for(model, source)

    def propose(
        self,
        user,
        record,
        values: dict,
        *,
        source,
        channel,
        comment="",
        import_job=None,
        governing=None,
    ) -> None:
        model = type(record)
        governing = governing if governing is not None else routes.rules_for(model, source)
        requested, rules = {}, {}
        for name, value in values.items():
            model_field = model._meta.get_field(name)
            new, old = plain(value), _current(record, model_field)
            rule = governing.get(name)
            if rule is None or new == old:
                continue
            outcome = conflicts.check(
                user, record, name, source=source, channel=channel, value=new, current=old
            )
            if outcome != conflicts.GO:
                continue
            rules[rule.pk] = rule
            requested.setdefault(rule.pk, []).append((model_field.name, old, new))
        if requested:
            request = _open_request(
                user, record, source, channel, comment, rules, requested, quiet=bool(import_job)
            )
            ChangeRequest.objects.filter(pk=request.pk).update(import_job=import_job)

    def announce_import(self, import_job_id: int) -> int:
        """One notification per approver for all the requests an import made."""
        waiting: dict[int, int] = {}
        for request in ChangeRequest.objects.filter(
            import_job_id=import_job_id, state=RequestState.PENDING
        ).prefetch_related("groups"):
            for user_id in waiting_users(request):
                waiting[user_id] = waiting.get(user_id, 0) + 1
        return notify.import_awaiting(import_job_id, waiting)

    def withdraw_for_import(self, user, import_job_id: int) -> int:
        withdrawn = 0
        for request in ChangeRequest.objects.filter(
            import_job_id=import_job_id, state__in=[RequestState.PENDING, RequestState.RETURNED]
        ):
            request.decided_at = timezone.now()
            transition(
                request,
                "cancel",
                actor=user,
                comment=_("The import that proposed these values was undone."),
                check_permission=False,
            )
            withdrawn += 1
        return withdrawn


def _cleaned(model, record, name, text):
    """A value typed in a file, as the field stores it, or RecordError naming the field."""
    model_field = _field(model, name)
    value = text
    if isinstance(model_field, models.DecimalField | models.FloatField | models.IntegerField):
        value = str(text).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if value in ("", None):
        value = None if model_field.null else ""
    try:
        return model_field.clean(value, record)
    except ValidationError as error:
        raise RecordError(
            f"{capfirst(model_field.verbose_name)}: {' '.join(error.messages)}"
        ) from None


def propose_all(user, record, values: dict, *, source, channel, comment="") -> ChangeRequest | None:
    """Every changed value becomes part of one change request for the record: fields under a
    rule follow their rule, the others go to the data stewards (the data contractor's
    corrections). Returns the request, or None when nothing changed."""
    model = type(record)
    governing = routes.rules_for(model, source)
    requested, rules, loose = {}, {}, []
    for name, value in values.items():
        new = plain(_cleaned(model, record, name, value))
        model_field = _field(model, name)
        old = _current(record, model_field)
        if new == old:
            continue
        outcome = conflicts.check(
            user, record, name, source=source, channel=channel, value=new, current=old
        )
        if outcome != conflicts.GO:
            continue
        rule = governing.get(name)
        if rule is None:
            loose.append((name, old, new))
        else:
            rules[rule.pk] = rule
            requested.setdefault(rule.pk, []).append((name, old, new))
    if not requested and not loose:
        return None
    return _open_request(user, record, source, channel, comment, rules, requested, loose)
