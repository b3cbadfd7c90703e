"""The one access policy: model permissions decide whether, row rules decide which rows, field
policies decide which fields (architecture rule 1).

Each app declares its row rules in its own ``access.py``::

    @access.register(Organisation)
    class OrganisationAccess(access.ModelAccess):
        grant_model = OrganisationGrant

        def view(self, scope, f):
            return Q(**{f("region_id__in"): scope.region_ids}) | Q(**{f("owner_id__in"): ...})

``f`` prefixes field names, so a related model (a contact, through ``organisation__``) reuses its
parent's rule. A user's scope is resolved once per request (crm.accounts.scopes). Explicit
exceptions (one client lent to a colleague) are django-guardian rows in direct-foreign-key
tables, read with the scope and ORed into the same filter as ``pk IN (...)``; never
``get_objects_for_user``.
"""

from collections.abc import Callable
from enum import IntEnum

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q
from django.http import Http404

from crm.core.lookups import with_arrays

ACTIONS = ("view", "change", "delete", "export")
_registry: dict[type[models.Model], "ModelAccess"] = {}

# Fields that carry no business data of their own; never subject to a field policy.
UNGOVERNED_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})


class ModelAccess:
    """A model's row rule. Override ``view``; ``change`` and ``delete`` default to ``view``."""

    model: type[models.Model]
    # A django-guardian UserObjectPermissionBase subclass with a direct FK to the model.
    grant_model: type[models.Model] | str | None = None
    # Business fields a field policy may hide or lock; None: every concrete editable field.
    policy_fields: tuple[str, ...] | None = None
    # Personal rows (a user's own notifications) need no model permission, only the rule.
    requires_permission: bool = True
    # A table derived from another (a coarser roll-up) is governed by that model's permissions.
    permission_model: type[models.Model] | None = None

    def needs_permission(self, action: str) -> bool:
        """Whether ``action`` needs the model permission on top of the row rule."""
        return self.requires_permission

    def view(self, scope, f) -> Q:
        raise NotImplementedError

    def change(self, scope, f) -> Q:
        return self.view(scope, f)

    def delete(self, scope, f) -> Q:
        return self.change(scope, f)

    def export(self, scope, f) -> Q:
        return self.view(scope, f)

    def governed_fields(self) -> list[models.Field]:
        """The fields field policies apply to, in model order."""
        opts = self.model._meta
        fields = [
            field
            for field in [*opts.concrete_fields, *opts.many_to_many]
            if field.editable and field.name not in UNGOVERNED_FIELDS
        ]
        if self.policy_fields is not None:
            fields = [field for field in fields if field.name in self.policy_fields]
        return fields


class ReferenceData(ModelAccess):
    """Shared dictionaries: every logged-in user reads them; changing, deleting, exporting or
    importing them takes the model permission (administrators: in Django admin and through
    the import wizard), and then covers every row."""

    requires_permission = False
    policy_fields = ()

    def needs_permission(self, action: str) -> bool:
        return action != "view"

    def view(self, scope, f):
        return Q()


class PersonalRows(ModelAccess):
    """A user's own rows (notifications, saved views...): no model permission, only the owner."""

    requires_permission = False
    policy_fields = ()
    owner_field = "user_id"

    def view(self, scope, f):
        return Q(**{f(self.owner_field): scope.user_id})


def register(model: type[models.Model]) -> Callable[[type[ModelAccess]], type[ModelAccess]]:
    """Class decorator that registers a model's row rule."""

    def decorator(cls: type[ModelAccess]) -> type[ModelAccess]:
        if model in _registry:
            raise ImproperlyConfigured(f"{model._meta.label} already has an access rule")
        cls.model = model
        _registry[model] = cls()
        return cls

    return decorator


def rule_for(model: type[models.Model]) -> ModelAccess:
    try:
        return _registry[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no access rule: declare one in its app's access.py"
        ) from None


def registered_models() -> list[type[models.Model]]:
    return list(_registry)


def permission_name(model: type[models.Model], action: str) -> str:
    rule = _registry.get(model)
    if rule is not None and rule.permission_model is not None:
        model = rule.permission_model
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def scope_of(user):
    from crm.accounts.scopes import scope_of as resolve

    return resolve(user)


def row_filter(model, user, action: str = "view", *, prefix: str = "") -> Q:
    """The Q selecting the rows of ``model`` the user may act on (ignoring model permissions).

    ``prefix`` is the lookup path from the queried model to ``model`` (e.g. "organisation__").
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}")
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return rule_condition(model, scope_of(user), action, prefix=prefix)


def rule_condition(model, scope, action: str, *, prefix: str = "") -> Q:
    """A model's rule for a resolved scope, with the user's exception grants ORed in.

    Rules of dependent models call this with their path to the parent (a contact is visible
    where its organisation is).
    """
    rule = rule_for(model)
    if rule.requires_permission:
        if action in ("view", "export") and scope.view_all:
            return Q()
        if action in ("change", "delete") and scope.change_all:
            return Q()

    def f(name: str) -> str:
        return prefix + name

    condition = getattr(rule, action)(scope, f)
    if not condition:  # an empty Q means every row; ORing grants must not narrow it
        return condition
    if rule.grant_model is not None:
        # The rows lent to the user were read with the scope: usually none, so the filter
        # stays a plain OR of indexed columns (an EXISTS per row defeats bitmap scans).
        grant_action = "view" if action == "export" else action
        lent = scope.granted(f"{grant_action}_{model._meta.model_name}")
        if lent:
            condition = condition | Q(**{prefix + "pk__in": sorted(lent)})
    return with_arrays(condition)


def grant_tables() -> list[str]:
    """Database tables of the registered django-guardian direct-FK grant models."""
    tables = []
    for rule in _registry.values():
        if rule.grant_model is not None:
            grant_model = rule.grant_model
            if isinstance(grant_model, str):
                grant_model = apps.get_model(grant_model)
            tables.append(grant_model._meta.db_table)
    return tables


NOTHING = Q(pk__in=[])


def condition_columns(condition: Q) -> set[str]:
    """The fields a rule's condition reads (``region_id__in`` → ``region_id``): whether a
    derived table that keeps only some columns can apply the same rule."""
    columns = set()
    for child in condition.children:
        if isinstance(child, Q):
            columns |= condition_columns(child)
        else:
            columns.add(child[0].split("__", 1)[0])
    return columns


def restrict(queryset: models.QuerySet, user, action: str = "view") -> models.QuerySet:
    """Only the rows the user may act on; none at all without the model permission."""
    model = queryset.model
    if not user.is_authenticated:
        return queryset.none()
    if rule_for(model).needs_permission(action) and not user.has_perm(
        permission_name(model, action)
    ):
        return queryset.none()
    condition = row_filter(model, user, action)
    return queryset.filter(condition) if condition else queryset


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what a user may see or do."""

    def restrict(self, user, action: str = "view"):
        return restrict(self, user, action)


def get_for_user(queryset: models.QuerySet, user, action: str = "view", **lookup):
    """One object the user may act on, or 404 (an out-of-scope object does not exist for them)."""
    try:
        return restrict(queryset, user, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def can(user, obj, action: str = "view") -> bool:
    """True when the user may act on this object: the model permission and the row rule."""
    model = type(obj)
    return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()


# --- field policies ---------------------------------------------------------------------------


class FieldLevel(IntEnum):
    """How much of a field a user gets; a lower value is stricter."""

    HIDDEN = 0
    READ_ONLY = 1
    EDITABLE = 2


def field_levels(user, model) -> dict[str, FieldLevel]:
    """Each governed field of ``model`` → the user's level, the strictest policy winning.

    Policies apply per role and per position; with none, staff may edit every field and
    outside roles (dealer, auditor, contractor) see nothing.
    """
    cache = getattr(user, "_crm_field_levels", None)
    if cache is None:
        cache = user._crm_field_levels = {}
    label = model._meta.label_lower
    if label in cache:
        return cache[label]
    names = [field.name for field in rule_for(model).governed_fields()]
    if user.is_superuser:
        levels = dict.fromkeys(names, FieldLevel.EDITABLE)
    else:
        levels = _levels_from_policies(user, label, names)
    cache[label] = levels
    return levels


def _levels_from_policies(user, label: str, names: list[str]) -> dict[str, FieldLevel]:
    scope = scope_of(user)  # carries the policies of the user's roles and position
    default = FieldLevel.HIDDEN if scope.outside else FieldLevel.EDITABLE
    prefix = label + "."
    strictest: dict[str, int] = {}
    for key, level in scope.field_policies:
        if key.startswith(prefix):
            field = key[len(prefix) :]
            strictest[field] = min(level, strictest.get(field, FieldLevel.EDITABLE))
    return {name: FieldLevel(strictest.get(name, default)) for name in names}


def visible_fields(user, model) -> set[str]:
    """Names of the governed fields the user may see, plus the ungoverned ones."""
    levels = field_levels(user, model)
    return {name for name, level in levels.items() if level > FieldLevel.HIDDEN} | (
        _ungoverned(model)
    )


def editable_fields(user, model) -> set[str]:
    levels = field_levels(user, model)
    return {name for name, level in levels.items() if level == FieldLevel.EDITABLE}


def hidden_fields(user, model) -> set[str]:
    levels = field_levels(user, model)
    return {name for name, level in levels.items() if level == FieldLevel.HIDDEN}


def _ungoverned(model) -> set[str]:
    governed = {field.name for field in rule_for(model).governed_fields()}
    return {field.name for field in model._meta.concrete_fields if field.name not in governed}
