"""The system corrects the user: suspicious values are flagged before saving.

Hard errors (a wrong INN checksum, a phone that is no phone) are validators and block the save.
Warnings are values that are possible but unlikely — an outlet's point far from where the
geocoder puts its address, a number far from the record's own history — and need an explicit
confirmation. The form shows them with a checkbox that carries a digest of exactly these
warnings (a confirmation of other warnings does not count), and the confirmed texts go into
the audit context of the save, so the history records that someone saw them and went on.

Apps register checks per model: ``@sanity.register(Outlet)`` on a callable
``(user, obj, values) -> list[ValueWarning]``; ``obj`` is the record before the save (None
for a new one), ``values`` the cleaned form values being saved.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

CONFIRM_FIELD = "confirm_warnings"
_checks: dict[type, list[Callable]] = {}


@dataclass(frozen=True)
class ValueWarning:
    field: str
    message: str


def register(model):
    def decorator(check):
        _checks.setdefault(model, []).append(check)
        return check

    return decorator


def warnings_for(user, model, obj, values: dict) -> list[ValueWarning]:
    found = []
    for check in _checks.get(model, ()):
        found.extend(check(user, obj, values))
    return found


def digest(warnings: list[ValueWarning]) -> str:
    text = "\n".join(f"{w.field}:{w.message}" for w in warnings)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def history_outlier(model, fields: tuple[str, ...], *, factor: float = 3.0, depth: int = 10):
    """A check: a number more than ``factor`` times above or below every value the field had
    in the record's last ``depth`` history rows (zero and empty values ignored)."""

    def check(user, obj, values) -> list[ValueWarning]:
        if obj is None:
            return []
        wanted = [
            f
            for f in fields
            if values.get(f) not in (None, "") and values.get(f) != getattr(obj, f)
        ]
        if not wanted:
            return []
        events = model.pgh_event_model.objects.filter(pgh_obj_id=obj.pk).order_by("-pgh_id")
        past = list(events.values(*wanted)[:depth])
        found = []
        for name in wanted:
            new = Decimal(str(values[name]))
            seen = [Decimal(str(row[name])) for row in past if row[name] not in (None, 0)]
            if not seen or new <= 0:
                continue
            low, high = min(seen), max(seen)
            if new > high * Decimal(str(factor)) or new * Decimal(str(factor)) < low:
                label = str(model._meta.get_field(name).verbose_name)
                before = _number(low) if low == high else f"{_number(low)}–{_number(high)}"
                found.append(
                    ValueWarning(
                        name,
                        _(
                            "%(field)s: %(new)s is far from what this record had before "
                            "(%(before)s). Check for a typo or a wrong unit."
                        )
                        % {
                            "field": label[:1].upper() + label[1:],
                            "new": _number(new),
                            "before": before,
                        },
                    )
                )
        return found

    return check


def _number(value: Decimal) -> str:
    from django.utils.formats import number_format

    if value == value.to_integral():
        value = value.quantize(Decimal(1))
    return number_format(value, force_grouping=True)
