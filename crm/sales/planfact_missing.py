"""The dealers that have not reported for a quarter (issue #7): the organisation list's
machinery (access rule, field policies, filters, saved views, capped counts, the export with
its permission, quota and log) over the working dealers the user may see that sent no
quarterly report, with their manager and their last report."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.clients.filtersets import OrganisationFilterSet
from crm.clients.models import Organisation
from crm.clients.views import OrganisationListView
from crm.core.tables import Column, Table, owner_column
from crm.sales.planfact import StaffReportMixin
from crm.sales.selectors import dealers_not_reported, due_quarter
from dealers.periods import Quarter

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
        return context

    def import_url(self) -> str | None:
        return None

    def export_filename(self, file_format: str) -> str:
        stamp = timezone.localtime().strftime("%Y-%m-%d_%H%M")
        return f"not_reported_{self.quarter().slug}_{stamp}.{file_format}"
