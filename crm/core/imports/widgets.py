"""Cell converters (django-import-export widgets) that read Russian spreadsheets: numbers
``1 234,56``, dates ``31.12.2026``, yes/no words, choices by label, dictionaries by name or code.

Each ``clean`` takes the raw cell (text, or a typed XLSX value) and returns the Python value or
raises ValidationError with a message the user can act on. Lookups load their targets in bulk
(``preload``) so a 100,000-row file costs a handful of queries, not one per row.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export import widgets

from crm.core.forms import has_active_flag
from crm.core.imports.parsing import cell_text

FORMULA_MESSAGE = _(
    "The value starts with “=” and looks like a spreadsheet formula; formulas are not "
    "imported. Remove the “=” or type the value as text."
)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_NUMBER = re.compile(r"^[+-]?(\d+)([.,]\d+)?$")


class TextWidget(widgets.Widget):
    """Text, trimmed; a leading "=" is refused (a formula pasted as text)."""

    def __init__(self, max_length=None, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text.startswith("="):
            raise ValidationError(FORMULA_MESSAGE)
        if self.max_length and len(text) > self.max_length:
            raise ValidationError(
                _("Too long: %(length)s characters, at most %(limit)s.")
                % {"length": len(text), "limit": self.max_length}
            )
        return text


class RequisiteWidget(TextWidget):
    """A requisite (INN, KPP, OGRN, BIK...): normalised and checked by ``checker``, which
    returns the stored form or raises ValidationError (check digits included)."""

    def __init__(self, checker, **kwargs):
        super().__init__(**kwargs)
        self.checker = checker

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value)
        return self.checker(text) if text else ""


def parse_number(value) -> Decimal | None:
    """``1 234,56``, ``1234.56``, ``-5`` → Decimal; ``12,34,56`` and words → ValidationError."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number."))
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = _SPACES.sub("", str(value))
    if not text:
        return None
    if not _NUMBER.match(text):
        raise ValidationError(
            _(
                "“%(value)s” is not a number. Write numbers like 1 234,56: spaces between "
                "thousands and one comma before the decimals."
            )
            % {"value": str(value)[:50]}
        )
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(_("Enter a number.")) from None


class DecimalWidget(widgets.Widget):
    def __init__(self, max_digits=None, decimal_places=None, **kwargs):
        super().__init__(**kwargs)
        self.max_digits, self.decimal_places = max_digits, decimal_places

    def clean(self, value, row=None, **kwargs):
        number = parse_number(value)
        if number is None or self.decimal_places is None:
            return number
        quantum = Decimal(1).scaleb(-self.decimal_places)
        if number != number.quantize(quantum):
            raise ValidationError(
                _("At most %(places)s digits after the comma.") % {"places": self.decimal_places}
            )
        if self.max_digits and len(number.quantize(quantum).as_tuple().digits) > self.max_digits:
            raise ValidationError(_("The number is too large."))
        return number


class IntegerWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        number = parse_number(value)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValidationError(_("Enter a whole number."))
        return int(number)


DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y")


def parse_date(value) -> datetime.date | None:
    """``31.12.2026`` or ``2026-12-31`` (or an XLSX date) → date; 31.02.2026 → ValidationError."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.match(r"^\d{1,2}\.\d{1,2}\.\d{4}$|^\d{4}-\d{1,2}-\d{1,2}$", text):
        raise ValidationError(
            _("“%(value)s” is not a date that exists.") % {"value": text[:30]},
        )
    raise ValidationError(
        _("“%(value)s” is not a date: write it as 31.12.2026.") % {"value": text[:30]}
    )


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_date(value)


class DateTimeWidget(widgets.Widget):
    """A date (midnight) or a date and time, ``31.12.2026 14:05`` or ISO."""

    def clean(self, value, row=None, **kwargs):
        from django.utils import timezone

        if value is None or value == "":
            return None
        if isinstance(value, datetime.datetime):
            moment = value
        else:
            text = cell_text(value)
            if not text:
                return None
            moment = None
            for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"):
                try:
                    moment = datetime.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            if moment is None:
                day = parse_date(text)
                moment = datetime.datetime.combine(day, datetime.time())
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment


YES = {"1", "да", "д", "yes", "y", "true", "истина", "+", "x", "х", "✓", "v"}
NO = {"0", "нет", "н", "no", "n", "false", "ложь", "-", ""}


class BooleanWidget(widgets.Widget):
    """да/нет, yes/no, 1/0, true/false; an empty cell is "no"."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValidationError(_("Write “да” or “нет” (yes or no)."))


class ChoiceWidget(widgets.Widget):
    """A choice by its stored value or its label in Russian or English."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = list(choices)
        self._index = None

    def _build(self):
        from django.utils import translation

        index = {}
        for value, label in self.choices:
            index[str(value).lower()] = value
            for language in ("ru", "en"):
                with translation.override(language):
                    index[str(label).lower()] = value
        return index

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        if self._index is None:
            self._index = self._build()
        try:
            return self._index[text.lower()]
        except KeyError:
            labels = ", ".join(str(label) for _value, label in self.choices)
            raise ValidationError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text[:50], "choices": labels}
            ) from None


class LookupWidget(widgets.Widget):
    """A foreign key found by one of several text fields (name, code...), loaded in bulk.

    ``queryset`` is a callable(user) giving the rows one may choose from (a dictionary, or the
    organisations the user may change). ``preload`` is called with the raw texts of a chunk of
    rows before ``clean`` runs on them.

    Where the rows have an active flag, switched-off ones are found too and listed in
    ``inactive`` (pk → the text that found it): as in a form, a record may keep such a value,
    but the engine refuses to give it to a record that does not have it (``Run.switched_off``).
    """

    def __init__(self, model, fields, queryset=None, normalise=str.lower, **kwargs):
        super().__init__(**kwargs)
        self.model, self.fields, self.queryset = model, tuple(fields), queryset
        self.normalise = normalise
        self.user = None
        self._found: dict[str, set[int]] = {}
        self._loaded: set[str] = set()
        self.inactive: dict[int, str] = {}

    def bind(self, user) -> "LookupWidget":
        """A copy for one import run by one user (the cache is per run)."""
        copy = type(self).__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.user, copy._found, copy._loaded, copy.inactive = user, {}, set(), {}
        return copy

    def base_queryset(self):
        if self.queryset is not None:
            return self.queryset(self.user)
        return self.model._default_manager.all()

    def unloaded(self, texts) -> set[str]:
        """The keys among ``texts`` not looked up yet: what ``preload`` would query for."""
        return {self.normalise(cell_text(t)) for t in texts} - self._loaded - {""}

    def preload(self, texts) -> None:
        wanted = self.unloaded(texts)
        if not wanted:
            return
        from django.db.models import Q
        from django.db.models.functions import Lower

        flagged = has_active_flag(self.model)
        for name in self.fields:
            values = sorted(wanted)
            for start in range(0, len(values), 5000):
                part = values[start : start + 5000]
                queryset = self.base_queryset().annotate(_key=Lower(name)).filter(Q(_key__in=part))
                if flagged:
                    rows = queryset.values_list("_key", "pk", "is_active")
                else:
                    rows = ((key, pk, True) for key, pk in queryset.values_list("_key", "pk"))
                for key, pk, active in rows:
                    self._found.setdefault(self.normalise(key), set()).add(pk)
                    if not active:
                        self.inactive.setdefault(pk, key)
        self._loaded |= wanted

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        key = self.normalise(text)
        if key not in self._loaded:
            self.preload([text])
        found = self._found.get(key, set())
        if len(found) == 1:
            pk = next(iter(found))
            if pk in self.inactive:
                self.inactive[pk] = text[:80]  # named in the engine's message as written
            return pk
        if not found:
            raise ValidationError(self.not_found_message(text))
        active = found - self.inactive.keys()
        if len(active) == 1:  # one value in use and others switched off: the one in use
            return next(iter(active))
        raise ValidationError(
            _("“%(value)s” matches several %(what)s; use a more precise value.")
            % {"value": text[:80], "what": self.model._meta.verbose_name_plural}
        )

    def not_found_message(self, text):
        return _("No %(what)s “%(value)s” was found among those you may choose.") % {
            "what": self.model._meta.verbose_name,
            "value": text[:80],
        }
