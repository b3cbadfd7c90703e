"""The dealers that have not reported for a quarter (issue #7): the organisation list's
machinery (access rule, field policies, filters, saved views, capped counts, the export with
its permission, quota and log) over the working dealers the user may see that sent no
quarterly report, with their manager and their last report."""

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.clients.filtersets import OrganisationFilterSet
from crm.clients.models import Organisation
from crm.clients.views import OrganisationListView
from crm.core.generic import ScopedView
from crm.core.periods import Quarter
from crm.core.records import RecordError
from crm.core.tables import Column, Table, owner_column
from crm.sales.planfact import StaffReportMixin
from crm.sales.selectors import dealers_not_reported, due_quarter
from dealers import periodclose
from dealers.models import ReportingPeriod

QUARTERS_OFFERED = 8
REPORT_PERMISSION = "dealers.view_salesreport"


def quarter_choices() -> list[tuple[str, str]]:
    """The due quarter and the seven before it, newest first."""
    quarter, choices = due_quarter(), []
    for _step in range(QUARTERS_OFFERED):
        choices.append((quarter.slug, quarter.label))
        quarter = quarter.previous()
    return choices


def _last_report(organisation) -> str:
    if organisation.last_report_quarter is None:
        return str(_("never"))
    when = formats.date_format(timezone.localtime(organisation.last_report_at), "SHORT_DATE_FORMAT")
    return f"{Quarter.of(organisation.last_report_quarter).label} · {when}"


class NotReportedFilterSet(OrganisationFilterSet):
    quarter = django_filters.ChoiceFilter(
        label=gettext_lazy("Quarter"), method="keep", empty_label=None
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["quarter"].extra["choices"] = quarter_choices
        # The quarter first; dealers only, so no kind, and no clients' dictionaries.
        kept = ("quarter", "region", "owner", "status", "archived")
        self.filters = {name: self.filters[name] for name in kept}

    def keep(self, queryset, name, value):
        return queryset  # the view reads the quarter: it decides which reports count


class NotReportedTable(Table):
    model = Organisation
    select_related = ("region", "owner")
    columns = [
        Column("name", link=True, label=gettext_lazy("Dealer")),
        Column("region", accessor="region.name", sort="region__code"),
        owner_column(),
        Column(
            "last_report",
            label=gettext_lazy("Last report"),
            field="name",
            reads=("pk",),
            sort="last_report_quarter",
            render=_last_report,
        ),
        Column("phone"),
        Column("email", default=False),
        Column("status", default=False),
        Column("inn", default=False),
    ]


class NotReportedView(StaffReportMixin, OrganisationListView):
    """Working dealers with no report for the quarter (default: the last one due)."""

    table = NotReportedTable
    filterset = NotReportedFilterSet
    list_key = "sales.not_reported"
    template_name = "sales/planfact/not_reported.html"
    bulk_actions = False
    create_url = None

    def dispatch(self, request, *args, **kwargs):
        # The organisations' rule decides the rows; whether they reported is the reports'.
        if request.user.is_authenticated and not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def quarter(self) -> Quarter:
        try:
            chosen = Quarter.from_slug(self.request.GET.get("quarter", ""))
        except ValueError:
            return due_quarter()
        return chosen if chosen <= due_quarter() else due_quarter()

    def scoped(self, action=None):
        queryset = dealers_not_reported(
            self.request.user, self.quarter(), organisations=super().scoped(action)
        )
        return queryset.order_by("name", "pk")

    def page_context(self, *args, **kwargs):
        context = super().page_context(*args, **kwargs)
        context["title"] = _("Dealers that have not reported for %(quarter)s") % {
            "quarter": self.quarter().label
        }
        context["planfact_url"] = reverse("sales:planfact")
        state = periodclose.period_state(self.quarter())
        user = self.request.user
        context.update(
            period_state=state,
            can_close=state.can_close(user),
            can_reopen=state.can_reopen(user),
        )
        return context

    def import_url(self) -> str | None:
        return None

    def export_filename(self, file_format: str) -> str:
        stamp = timezone.localtime().strftime("%Y-%m-%d_%H%M")
        return f"not_reported_{self.quarter().slug}_{stamp}.{file_format}"


class _PeriodActionView(ScopedView):
    """Close the due quarter now or reopen it, from the page of the dealers that have not
    reported (POST only; the model permission of ``action``; dealers.periodclose decides)."""

    model = ReportingPeriod
    http_method_names = ["post"]

    def post(self, request, quarter: str):
        try:
            chosen = Quarter.from_slug(quarter)
        except ValueError:
            raise Http404 from None
        if chosen > due_quarter():
            raise Http404
        try:
            changed = self.apply(request.user, chosen)
        except RecordError as error:
            messages.error(request, error.message)
        else:
            self.report(request, chosen, changed)
        return redirect(f"{reverse('sales:not_reported')}?quarter={chosen.slug}")


class PeriodCloseView(_PeriodActionView):
    action = "change"

    def apply(self, user, quarter: Quarter) -> bool:
        return periodclose.period_close(user, quarter)

    def report(self, request, quarter: Quarter, changed: bool) -> None:
        if changed:
            messages.success(
                request,
                _("%(quarter)s is closed: dealers can no longer change its report.")
                % {"quarter": quarter.label},
            )
        else:
            messages.info(
                request, _("%(quarter)s was closed already.") % {"quarter": quarter.label}
            )


class PeriodReopenView(_PeriodActionView):
    action = "reopen"

    def apply(self, user, quarter: Quarter) -> bool:
        period = self.scoped("view").filter(quarter_start=quarter.start).first()
        return periodclose.period_reopen(
            user, period or ReportingPeriod(quarter_start=quarter.start)
        )

    def report(self, request, quarter: Quarter, changed: bool) -> None:
        if changed:
            messages.success(
                request,
                _(
                    "%(quarter)s is open again: dealers may correct its report until "
                    "someone closes it."
                )
                % {"quarter": quarter.label},
            )
        else:
            already = _("%(quarter)s was open already.")
            messages.info(request, already % {"quarter": quarter.label})
