"""Import specs: what each importable model declares (resource, natural keys, lookups).

Apps register their specs in ``<app>/imports.py``; the registry finds those modules on first
use (like admin.py), so outlets, products and dictionaries add theirs without touching crm/core.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.module_loading import autodiscover_modules

from crm.core import access


def _identity(value):
    return value


def pk_or_value(value):
    """A natural-key normaliser for a relation: the related record's key (a lookup widget
    gives the record's pk, the stored side its attname)."""
    return getattr(value, "pk", value)


# Header spellings of the ERP key column, shared by the specs of ERP-synced records.
ERP_KEY_ALIASES = ("код 1с", "ключ 1с", "код erp", "внешний код", "guid", "ref_key")


@dataclass(frozen=True)
class NaturalKey:
    """One way to recognise a row as an existing record: field names, in the model's terms.

    A row uses the first key whose fields are all filled; ``normalise`` turns each value into
    its comparable form (e.g. lower-case e-mail) on both sides. ``query_field`` narrows the
    bulk look-up (``<query_field>__in``); by default the first field.
    """

    name: str
    fields: tuple[str, ...]
    # fields that must be filled for the key to apply (default: all); the others take part
    # when their column is mapped (a KPP may be empty for a sole proprietor)
    required: tuple[str, ...] | None = None
    normalise: Callable = _identity
    query_field: str | None = None

    def fields_required(self) -> tuple[str, ...]:
        return self.required if self.required is not None else self.fields

    def lookup_field(self) -> str:
        """Narrows the bulk look-up; its normalised value must equal the stored one."""
        return self.query_field or self.fields_required()[0]


@dataclass
class ImportSpec:
    """Everything the wizard needs to import one model."""

    model: type[models.Model]
    resource_class: type
    keys: tuple[NaturalKey, ...]
    # model field → extra header spellings that map to it (verbose names in both languages
    # and the field name are always recognised)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # fields a new row must have (besides the model's own non-blank fields)
    required: tuple[str, ...] = ()
    # callable(user) → values every new row gets unless the file sets them, by attribute name
    # ("owner_id": user.pk)
    defaults: Callable | None = None
    # callable(obj, changed: set[str], created: bool, now) → extra field names it changed
    # (stamps such as when consent changed); those fields are listed in ``stamp_fields``
    before_save: Callable | None = None
    stamp_fields: tuple[str, ...] = ()
    # callable(obj) raising ValidationError({field: [messages]}): rules beyond model.clean()
    validate: Callable | None = None
    # text explaining how rows are matched, shown on the upload page and in the docs
    key_help: str = ""
    # callable(user, creates: [(row, obj)], *, existing_up_to: pk, name_rows: int) →
    # [(row, field name, message)]: likely duplicates of new rows among the records that
    # existed before the import (pk <= existing_up_to), warned by the check
    duplicates: Callable | None = None
    # callable(created: [obj], updated: [(obj, changed field names)]) after each chunk a real
    # import wrote (never in the check), in its transaction: e.g. queue geocoding of addresses
    after_write: Callable | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def permission(self) -> str:
        return f"{self.model._meta.app_label}.import_{self.model._meta.model_name}"

    def resource(self):
        return self.resource_class()

    def importable_fields(self) -> list[str]:
        """Fields the resource declares, in its order."""
        return [name for name in self.resource().fields if name != "id"]

    def mappable_fields(self, user) -> list[str]:
        """Importable fields this user may edit (field policy); only these can be mapped."""
        editable = access.editable_fields(user, self.model)
        governed = {f.name for f in access.rule_for(self.model).governed_fields()}
        return [
            name
            for name in self.importable_fields()
            if name in editable or (name not in governed and name not in access.UNGOVERNED_FIELDS)
        ]


_registry: dict[str, ImportSpec] = {}
_discovered = False


def register(spec: ImportSpec) -> ImportSpec:
    if spec.label in _registry:
        raise ImproperlyConfigured(f"{spec.label} already has an import spec")
    _registry[spec.label] = spec
    return spec


def unregister(label: str) -> None:
    _registry.pop(label, None)


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("imports")
        _discovered = True


def get(label: str) -> ImportSpec | None:
    _discover()
    return _registry.get((label or "").lower())


def all_specs() -> list[ImportSpec]:
    _discover()
    return list(_registry.values())


def specs_for(user) -> list[ImportSpec]:
    """The models this user may import."""
    return [spec for spec in all_specs() if user.has_perm(spec.permission)]
