"""Calendar quarters: "IV квартал 2026", their first and last days (dealers report by them)."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True, order=True)
class Quarter:
    """One calendar quarter (``number`` 1–4)."""

    year: int
    number: int

    def __post_init__(self):
        if not 1 <= self.number <= 4 or not 2000 <= self.year <= 2100:
            raise ValueError(f"No such quarter: {self.year}-{self.number}")

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def starting(cls, start: date) -> "Quarter":
        """The quarter that starts on ``start`` (ValueError if no quarter starts that day)."""
        quarter = cls.of(start)
        if quarter.start != start:
            raise ValueError(f"{start} is not the first day of a quarter")
        return quarter

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        following = self.next().start
        return date.fromordinal(following.toordinal() - 1)

    def previous(self) -> "Quarter":
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def next(self) -> "Quarter":
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def back(self, count: int) -> "Quarter":
        quarter = self
        for _step in range(count):
            quarter = quarter.previous()
        return quarter

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def slug(self) -> str:
        """As the URL and the home page's ``?quarter=`` carry it: 2026-4."""
        return f"{self.year}-{self.number}"

    @classmethod
    def from_slug(cls, text: str) -> "Quarter":
        year, _sep, number = (text or "").partition("-")
        if not (year.isdigit() and number.isdigit()):
            raise ValueError(f"Not a quarter: {text!r}")
        return cls(int(year), int(number))

    @property
    def label(self) -> str:
        """ "IV квартал 2026" (ux.md: periods as people say them)."""
        return _("%(roman)s quarter %(year)s") % {
            "roman": ROMAN[self.number - 1],
            "year": self.year,
        }

    def __str__(self):
        return self.label
