"""Approval rules, change requests and the transition log of the workflow machinery.

A change to a field under an approval rule is not written but requested: a ChangeRequest
bundles the proposed values (RequestItem) of one record from one source; the items are grouped
by the rule that governs them (RequestGroup), each group with the route frozen from its rule
when the request was made. Decisions are per group, step and round.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from crm.approvals.workflow import guard_trigger
from crm.core.access import RestrictedQuerySet
from crm.core.choices import Channel, Source


class Mode(models.TextChoices):
    ANY = "any", _("Any one approver")
    ALL = "all", _("All approvers")
    SEQUENCE = "sequence", _("One after another")


class Relative(models.TextChoices):
    LINE_MANAGER = "line_manager", _("Line manager of the record's manager")
    REGIONAL_MANAGER = "regional_manager", _("Head of the unit covering the record's region")


class ApprovalRule(models.Model):
    """Which fields of which model need whose approval, for which sources."""

    name = models.CharField(_("name"), max_length=200)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE, related_name="+"
    )
    fields = ArrayField(
        models.CharField(max_length=100),
        verbose_name=_("fields"),
        help_text=_("Field names of the record type, e.g. address, name."),
    )
    sources = ArrayField(
        models.CharField(max_length=20, choices=Source.choices),
        verbose_name=_("sources"),
        default=list,
        blank=True,
        help_text=_("Whose changes need approval; empty: everyone's."),
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ANY)
    deadline_hours = models.PositiveIntegerField(_("deadline, hours"), default=48)
    order = models.PositiveIntegerField(
        _("order"), default=100, help_text=_("Where two rules cover a field, the lower wins.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        ordering = ["order", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.content_type_id is None:
            return
        model = self.content_type.model_class()
        if model is None:
            return
        known = {f.name for f in model._meta.concrete_fields if f.editable}
        unknown = [name for name in self.fields or () if name not in known]
        if unknown:
            raise ValidationError(
                {
                    "fields": _("%(model)s has no field %(names)s.")
                    % {"model": model._meta.verbose_name, "names": ", ".join(unknown)}
                }
            )

    def applies_to(self, source: str) -> bool:
        return not self.sources or source in self.sources


class ApprovalStep(models.Model):
    """One approver of a rule: a role, a position, a named user or a relative of the record."""

    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    role = models.ForeignKey(
        "auth.Group", verbose_name=_("role"), on_delete=models.CASCADE, null=True, blank=True
    )
    position = models.ForeignKey(
        "accounts.Position",
        verbose_name=_("position"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    relative = models.CharField(
        _("relative of the record"), max_length=20, choices=Relative.choices, blank=True
    )

    class Meta:
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role__isnull=False, position__isnull=True, user__isnull=True)
                    & models.Q(relative="")
                )
                | (
                    models.Q(role__isnull=True, position__isnull=False, user__isnull=True)
                    & models.Q(relative="")
                )
                | (
                    models.Q(role__isnull=True, position__isnull=True, user__isnull=False)
                    & models.Q(relative="")
                )
                | (
                    models.Q(role__isnull=True, position__isnull=True, user__isnull=True)
                    & ~models.Q(relative="")
                ),
                name="approvals_step_one_kind",
                violation_error_message=_(
                    "Choose exactly one: a role, a position, a user or a relative of the record."
                ),
            )
        ]

    def __str__(self):
        return str(self.role or self.position or self.user or self.get_relative_display())


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    RETURNED = "returned", _("Returned for rework")
    APPLIED = "applied", _("Approved and applied")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Withdrawn")


OPEN_STATES = (RequestState.PENDING, RequestState.RETURNED)


class ChangeRequest(ConcurrentTransitionMixin, models.Model):
    """Proposed values for fields of one record, from one source, awaiting approval."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.BigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="change_requests",
    )
    state = FSMField(
        _("state"),
        max_length=20,
        choices=RequestState.choices,
        default=RequestState.PENDING,
        protected=True,
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    # Everyone on any group's frozen route (for the queue and the row rule).
    approver_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    # Past the deadline, the waiting approvers' line managers (or the administrators) may
    # decide the open steps too; set once, by the escalation task.
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalated_to = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # the import that proposed these values (undoing it withdraws the request while open)
    import_job = models.ForeignKey(
        "core.ImportJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("exchange_changerequest", _("Can exchange depersonalised data as the data contractor"))
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "state"], name="approvals_cr_record"),
            models.Index(fields=["state", "deadline"], name="approvals_cr_state_deadline"),
            models.Index(fields=["author", "state"], name="approvals_cr_author"),
            GinIndex(fields=["approver_ids"], name="approvals_cr_approvers"),
        ]
        triggers = [guard_trigger("state")]

    def __str__(self):
        return _("Change request no. %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("approvals:request_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # --- transitions (moved only through crm.approvals.workflow.transition) ---------------
    @transition(field=state, source=RequestState.PENDING, target=RequestState.APPLIED)
    def apply(self):
        pass

    @transition(field=state, source=RequestState.PENDING, target=RequestState.REJECTED)
    def reject(self):
        pass

    @transition(field=state, source=RequestState.PENDING, target=RequestState.RETURNED)
    def return_for_rework(self):
        pass

    @transition(field=state, source=RequestState.RETURNED, target=RequestState.PENDING)
    def resubmit(self):
        pass

    @transition(field=state, source=list(OPEN_STATES), target=RequestState.CANCELLED)
    def cancel(self):
        pass


class GroupState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")


class RequestGroup(models.Model):
    """The items of a request under one rule, with that rule's route frozen at submission."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="groups")
    rule = models.ForeignKey(
        ApprovalRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_name = models.CharField(_("rule"), max_length=200)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    # [{"label": "Regional manager", "users": [ids]}, ...]; never changed after submission
    route = models.JSONField(_("route"), default=list)
    state = models.CharField(
        _("state"), max_length=10, choices=GroupState.choices, default=GroupState.PENDING
    )
    approved_in_round = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval group")
        verbose_name_plural = _("approval groups")
        ordering = ["id"]

    def __str__(self):
        return self.rule_name


class RequestItem(models.Model):
    """One field of a request: the value it had and the value proposed."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="items")
    group = models.ForeignKey(RequestGroup, on_delete=models.CASCADE, related_name="items")
    field = models.CharField(_("field"), max_length=100)
    old_value = models.JSONField(_("old value"), null=True, encoder=DjangoJSONEncoder)
    new_value = models.JSONField(_("new value"), null=True, encoder=DjangoJSONEncoder)
    changed_in_round = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("requested value")
        verbose_name_plural = _("requested values")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "field"], name="approvals_item_field_uniq")
        ]

    def __str__(self):
        return self.field

    @property
    def model(self):
        return self.request.content_type.model_class()

    @property
    def label(self) -> str:
        from crm.approvals.display import field_label

        return field_label(self.model, self.field)

    @property
    def old_display(self) -> str:
        from crm.approvals.display import value_display

        return value_display(self.model, self.field, self.old_value)

    @property
    def new_display(self) -> str:
        from crm.approvals.display import value_display

        return value_display(self.model, self.field, self.new_value)


class Delegation(models.Model):
    """While an approver is away, someone else decides in their place (both are recorded)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decides instead"),
        on_delete=models.CASCADE,
        related_name="delegated_to_me",
    )
    starts = models.DateField(_("from"))
    ends = models.DateField(_("to (inclusive)"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gte=models.F("starts")),
                name="approvals_delegation_period",
                violation_error_message=_("The end of the period comes before its start."),
            ),
            models.CheckConstraint(
                condition=~models.Q(user=models.F("delegate")),
                name="approvals_delegation_not_self",
                violation_error_message=_("Choose someone else to decide instead."),
            ),
        ]
        indexes = [models.Index(fields=["delegate", "ends"], name="approvals_deleg_delegate")]

    def __str__(self):
        return f"{self.user} → {self.delegate}"


class Verdict(models.TextChoices):
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RETURN = "return", _("Returned for rework")


class Decision(models.Model):
    """One approver's decision on one group of a request, in one round."""

    request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="decisions")
    group = models.ForeignKey(RequestGroup, on_delete=models.CASCADE, related_name="decisions")
    round = models.PositiveSmallIntegerField(_("round"))
    step = models.PositiveSmallIntegerField(_("step"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT
    )
    # the approver on the route this decision stood in for (a delegation or an escalation)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verdict = models.CharField(_("decision"), max_length=10, choices=Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.user} · {self.get_verdict_display()}"


class TransitionLog(models.Model):
    """Every state change of a workflow-governed record: who, when, from, to, why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    transition = models.CharField(_("transition"), max_length=50)
    from_state = models.CharField(_("from"), max_length=30)
    to_state = models.CharField(_("to"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="approvals_tlog_record")]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class SourcePriority(models.Model):
    """Which source wins when sources disagree about a field group (e.g. the ERP for
    requisites, the dealer for opening hours); without one, a data steward decides."""

    name = models.CharField(_("name"), max_length=200)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE, related_name="+"
    )
    fields = ArrayField(models.CharField(max_length=100), verbose_name=_("fields"))
    sources = ArrayField(
        models.CharField(max_length=20, choices=Source.choices),
        verbose_name=_("sources, strongest first"),
        help_text=_("A source not listed loses to every listed one."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("source priority")
        verbose_name_plural = _("source priorities")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def rank(self, source: str) -> int:
        return self.sources.index(source) if source in self.sources else len(self.sources)


class ConflictState(models.TextChoices):
    OPEN = "open", _("Awaiting a data steward")
    RESOLVED = "resolved", _("Resolved")


class Conflict(ConcurrentTransitionMixin, models.Model):
    """Sources disagree about one field of one record: their values side by side until a
    data steward (or a source priority) settles it."""

    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.BigIntegerField(_("record id"))
    record = GenericForeignKey("content_type", "object_id")
    field = models.CharField(_("field"), max_length=100)
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ConflictState.choices,
        default=ConflictState.OPEN,
        protected=True,
    )
    # authors of the values (to see the conflict and hear how it ended)
    party_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    resolved_value = models.JSONField(_("chosen value"), null=True, encoder=DjangoJSONEncoder)
    resolved_source = models.CharField(
        _("chosen source"), max_length=20, choices=Source.choices, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("conflict between sources")
        verbose_name_plural = _("conflicts between sources")
        ordering = ["-created_at", "-id"]
        permissions = [("resolve_conflict", _("Can resolve conflicts between sources"))]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "field", "state"], name="approvals_cf_record"
            ),
            GinIndex(fields=["party_ids"], name="approvals_cf_parties"),
        ]
        triggers = [guard_trigger("state")]

    def __str__(self):
        return _("Conflict no. %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("approvals:conflict_detail", args=[self.pk])

    @property
    def label(self) -> str:
        from crm.approvals.display import field_label

        return field_label(self.content_type.model_class(), self.field)

    @transition(
        field=state,
        source=ConflictState.OPEN,
        target=ConflictState.RESOLVED,
        permission="approvals.resolve_conflict",
    )
    def resolve(self):
        pass


class ConflictEntry(models.Model):
    """One source's value in a conflict: who proposed it, when, through which request."""

    conflict = models.ForeignKey(Conflict, on_delete=models.CASCADE, related_name="entries")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    value = models.JSONField(_("value"), null=True, encoder=DjangoJSONEncoder)
    request = models.ForeignKey(
        ChangeRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"))
    applied = models.BooleanField(
        _("already applied"), default=False, help_text=_("The value the record holds now.")
    )

    class Meta:
        verbose_name = _("conflicting value")
        verbose_name_plural = _("conflicting values")
        ordering = ["proposed_at", "id"]

    def __str__(self):
        return f"{self.source}: {self.value}"

    @property
    def display(self) -> str:
        from crm.approvals.display import value_display

        conflict = self.conflict
        return value_display(conflict.content_type.model_class(), conflict.field, self.value)
