"""The periods of the plan-vs-fact report: a month, a quarter or a year, named as people say
them ("Февраль 2026", "I квартал 2026", "2026 год") and carried in the URL as a short slug
("2026-02", "2026-Q1", "2026")."""

import re
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _

from crm.core.periods import Quarter
from crm.sales.choices import PeriodKind

_SLUG = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")
MONTHS_OFFERED, QUARTERS_OFFERED, YEARS_OFFERED = 12, 8, 3


@dataclass(frozen=True, order=True)
class ReportPeriod:
    """Whole months from ``start`` to ``end`` (inclusive) of one kind of period."""

    start: date
    kind: str

    def __post_init__(self):
        valid = self.start.day == 1 and 2000 <= self.start.year <= 2100
        if self.kind == PeriodKind.QUARTER:
            valid = valid and self.start.month in (1, 4, 7, 10)
        elif self.kind == PeriodKind.YEAR:
            valid = valid and self.start.month == 1
        elif self.kind != PeriodKind.MONTH:
            valid = False
        if not valid:
            raise ValueError(f"No such period: {self.kind} {self.start}")

    @classmethod
    def containing(cls, day: date, kind: str) -> "ReportPeriod":
        if kind == PeriodKind.YEAR:
            return cls(date(day.year, 1, 1), kind)
        if kind == PeriodKind.QUARTER:
            return cls(Quarter.of(day).start, kind)
        return cls(day.replace(day=1), kind)

    @classmethod
    def from_slug(cls, text: str) -> "ReportPeriod":
        """ "2026-02", "2026-Q1" or "2026"; ValueError for anything else."""
        found = _SLUG.match(text or "")
        if found is None:
            raise ValueError(f"Not a period: {text!r}")
        year = int(found["year"])
        if found["month"]:
            month = int(found["month"])
            if not 1 <= month <= 12:
                raise ValueError(f"Not a month: {text!r}")
            return cls(date(year, month, 1), PeriodKind.MONTH)
        if found["quarter"]:
            return cls(date(year, 3 * int(found["quarter"]) - 2, 1), PeriodKind.QUARTER)
        return cls(date(year, 1, 1), PeriodKind.YEAR)

    @property
    def months(self) -> int:
        return {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]

    @property
    def end(self) -> date:
        """The last day of the period."""
        following = _shift(self.start, self.months)
        return date.fromordinal(following.toordinal() - 1)

    @property
    def slug(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{Quarter.of(self.start).number}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return formats.date_format(self.start, "F Y")
        if self.kind == PeriodKind.QUARTER:
            return Quarter.of(self.start).label
        return _("%(year)s (year)") % {"year": self.start.year}

    def previous(self) -> "ReportPeriod":
        return ReportPeriod(_shift(self.start, -self.months), self.kind)

    def next(self) -> "ReportPeriod":
        return ReportPeriod(_shift(self.start, self.months), self.kind)

    def __str__(self):
        return self.label


def offered(today: date, chosen: ReportPeriod) -> list[tuple[str, list[ReportPeriod]]]:
    """The periods of the report's select, newest first, by kind: the last 12 months, 8
    quarters and 3 years (the chosen one added where it is older)."""
    groups = []
    for kind, count, label in (
        (PeriodKind.MONTH, MONTHS_OFFERED, _("Months")),
        (PeriodKind.QUARTER, QUARTERS_OFFERED, _("Quarters")),
        (PeriodKind.YEAR, YEARS_OFFERED, _("Years")),
    ):
        periods = [ReportPeriod.containing(today, kind)]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        if chosen.kind == kind and chosen not in periods:
            periods.append(chosen)
            periods.sort(reverse=True)
        groups.append((label, periods))
    return groups


def _shift(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)
