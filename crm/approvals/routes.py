"""Approval rules to routes: which rule governs a field, and who approves, resolved to users
when a request starts (the route is frozen then: editing a rule never changes requests in
flight)."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from crm.accounts import roles
from crm.approvals.models import ApprovalRule, ApprovalStep, Mode, Relative


def rules_for(model, source: str) -> dict[str, ApprovalRule]:
    """Field name → the active rule governing it for changes from ``source``."""
    content_type = ContentType.objects.get_for_model(model)
    governing: dict[str, ApprovalRule] = {}
    for rule in ApprovalRule.objects.filter(content_type=content_type, is_active=True):
        if not rule.applies_to(source):
            continue
        for name in rule.fields:
            governing.setdefault(name, rule)  # ordered by rule.order: the first wins
    return governing


def _ids(users) -> list[int]:
    return list(users.filter(is_active=True).values_list("pk", flat=True))


def _step_users(step: ApprovalStep, record) -> list[int]:
    users = get_user_model().objects
    if step.user_id:
        return _ids(users.filter(pk=step.user_id))
    if step.role_id:
        return _ids(users.filter(groups=step.role_id))
    if step.position_id:
        return _ids(users.filter(position=step.position_id))
    if step.relative == Relative.LINE_MANAGER:
        owner_id = getattr(record, "owner_id", None)
        if owner_id is None:
            return []
        return _ids(users.filter(pk__in=users.filter(pk=owner_id).values("manager_id")))
    if step.relative == Relative.REGIONAL_MANAGER:
        region_id = getattr(record, "region_id", None)
        if region_id is None:
            return []
        return sorted(
            set(_ids(users.filter(position__is_head=True, position__org_unit__regions=region_id)))
        )
    return []


def _fallback() -> list[int]:
    """Administrators, when a step names nobody who could approve (an empty role, a record
    without a manager): a request is never stuck without an approver."""
    return _ids(get_user_model().objects.filter(groups__name=roles.ADMINISTRATOR))


def freeze_route(rule: ApprovalRule, record, *, author_id=None) -> tuple[str, list[dict]]:
    """(mode, steps) for a new request: each step's label and the ids of the users who may
    decide it. The author never approves their own change. In "any" mode all approvers form
    one step."""
    steps = []
    for step in rule.steps.select_related("role", "position", "user"):
        users = [pk for pk in _step_users(step, record) if pk != author_id]
        if not users:
            users = [pk for pk in _fallback() if pk != author_id]
        steps.append({"label": str(step), "users": sorted(set(users))})
    if not steps:
        steps = [{"label": _("Administrator"), "users": sorted(set(_fallback()) - {author_id})}]
    if rule.mode == Mode.ANY:
        merged = sorted({pk for step in steps for pk in step["users"]})
        steps = [{"label": ", ".join(step["label"] for step in steps), "users": merged}]
    return rule.mode, steps
