"""Report figures far from the dealer's own history, flagged before submitting
(crm.core.sanity: the form shows the warnings and submits only with their confirmation)."""

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from crm.core import formatting, sanity
from dealers.models import SalesReport, SalesReportCell

FACTOR = Decimal(3)
QUARTERS = 4  # how far back the history goes


@sanity.register(SalesReport)
def figures_far_from_history(user, report, values) -> list[sanity.ValueWarning]:
    """A figure more than three times above or below every figure the dealer reported for the
    same outlet and group in the four quarters before (zeros ignored, as ``history_outlier``).

    ``values``: organisation, quarter, figures {(outlet, group): (quantity, amount)} and their
    labels {(outlet, group): "Outlet · Group"}.
    """
    quarter = values["quarter"]
    past = SalesReportCell.objects.restrict(user, "view").filter(
        report__organisation=values["organisation"],
        report__quarter_start__lt=quarter.start,
        report__quarter_start__gte=quarter.back(QUARTERS).start,
    )
    history = defaultdict(lambda: ([], []))
    for outlet, group, quantity, amount in past.values_list(
        "outlet_id", "product_group_id", "quantity", "amount"
    ):
        quantities, amounts = history[outlet, group]
        quantities.append(quantity)
        amounts.append(amount)
    found = []
    for key, (quantity, amount) in values["figures"].items():
        if key not in history:
            continue
        quantities, amounts = history[key]
        label = values["labels"].get(key, "")
        for prefix, new, seen, show, name in (
            ("q", quantity, quantities, formatting.number, _("quantity")),
            ("a", amount, amounts, formatting.money, _("amount")),
        ):
            warning = _far(new, [value for value in seen if value], show)
            if warning:
                found.append(
                    sanity.ValueWarning(
                        f"{prefix}-{key[0] or 0}-{key[1]}",
                        _(
                            "%(place)s: the %(field)s %(new)s is far from what you reported "
                            "before (%(before)s). Check for a typo or a wrong unit."
                        )
                        % {"place": label, "field": name, "new": show(new), "before": warning},
                    )
                )
    return found


def _far(new: Decimal, seen: list[Decimal], show) -> str:
    """The earlier range as text when ``new`` is far outside it, else ""."""
    if not seen or new <= 0:
        return ""
    low, high = min(seen), max(seen)
    if new > high * FACTOR or new * FACTOR < low:
        return show(low) if low == high else f"{show(low)}–{show(high)}"
    return ""
