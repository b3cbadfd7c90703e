"""Saved segments of dealers: their pages, and a segment's plan vs fact.

A segment names its member organisations explicitly (dealers and sub-dealers). A saved filter
of the organisation list (crm.core SavedView) was not used as the definition: saved views
belong to one user and resolve through that user's scope, so the same "segment" would hold
different dealers for different readers, and its plan would be compared with a moving set of
facts. Explicit members mean the same organisations to everyone; the form offers the dealers
the editor may see, and keeps members they cannot see.

Plan vs fact of a segment, per product group (the top-level groups, or the subgroups of one):
the segment's own plan row; its fact, the sum of the members' lines of that flow (returns
negative) from the monthly roll-ups (``SalesMonth``, by the organisation a line counts for);
and beside it the sum of the members' own plans (dealer plans, not their outlets'). A plan
counts when its whole period lies in the chosen period, unless a coarser plan of the same
target, group and flow in the period covers it (a quarter's plan, not also its months').
Everything is read through the access policy and the field policies.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import DateField, Exists, OuterRef, ProtectedError, Q, Sum
from django.db.models.functions import TruncQuarter, TruncYear
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.catalog.models import ProductGroup
from crm.clients.models import Organisation, OrganisationKind
from crm.clients.selectors import organisation_search
from crm.core import access, generic
from crm.core.forms import FilterableCheckboxes, RecordForm
from crm.core.tables import Column, Table, owner_column
from crm.sales.access import DEALER_KINDS
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import DealerSegment, Plan, SalesLine, SalesMonth
from crm.sales.plans import Cut, Period, cut_from, grid_url
from crm.sales.selectors import GroupTree

_TENTH = Decimal("0.1")


# --- plan vs fact -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentRow:
    """One product group of a segment's plan vs fact; None where a field policy hides it,
    completions None without a positive plan."""

    group: int | None  # None: the total
    name: str
    plan_quantity: Decimal | None
    plan_amount: Decimal | None
    fact_quantity: Decimal | None
    fact_amount: Decimal | None
    lines: int
    members_plan_quantity: Decimal | None
    members_plan_amount: Decimal | None

    @property
    def completion_quantity(self) -> Decimal | None:
        return _completion(self.fact_quantity, self.plan_quantity)

    @property
    def completion_amount(self) -> Decimal | None:
        return _completion(self.fact_amount, self.plan_amount)


def _completion(fact, plan) -> Decimal | None:
    if fact is None or plan is None or plan <= 0:
        return None
    return (fact * 100 / plan).quantize(_TENTH)


def segment_plan_vs_fact(
    user, segment: DealerSegment, *, period: Period, flow: str, group: int | None = None
) -> list[SegmentRow]:
    """Per product group of ``group`` (top-level groups when None), then the total."""
    if flow not in Flow.values:
        raise ValueError(f"Unknown flow {flow!r}: sell-in and sell-out are reported apart")
    tree = GroupTree()
    buckets = tree.buckets(group)
    members = list(segment.members.values_list("pk", flat=True))
    facts = _facts(user, members, period, flow, buckets)
    own = _plans(user, Q(segment_id=segment.pk), period, flow, buckets, "segment")
    theirs = _plans(
        user,
        Q(organisation_id__in=members, outlet__isnull=True),
        period,
        flow,
        buckets,
        "organisation",
    )
    hidden_fact = access.hidden_fields(user, SalesLine)
    hidden_plan = access.hidden_fields(user, Plan)
    rows = []
    for bucket in sorted(buckets, key=lambda pk: (tree.names[pk].lower(), pk)):
        rows.append(_row(bucket, tree.names[bucket], facts, own, theirs, hidden_fact, hidden_plan))
    total = _total(rows)
    return [*rows, total]


def _facts(user, members, period: Period, flow: str, buckets) -> dict:
    """{bucket: (quantity, amount, lines)} of the members' monthly sums the user may see."""
    sums = SalesMonth.objects.restrict(user, "view").filter(
        flow=flow,
        month__gte=period.start,
        month__lte=period.end,
        organisation_id__in=members,
        product_group_id__in=[pk for ids in buckets.values() for pk in ids],
    )
    found = {}
    grouped = (
        sums.order_by()
        .values("product_group_id")
        .annotate(q=Sum("quantity"), a=Sum("amount"), n=Sum("line_count"))
    )
    owner = _owners(buckets)
    for item in grouped:
        bucket = owner[item["product_group_id"]]
        q, a, n = found.get(bucket, (Decimal(0), Decimal(0), 0))
        found[bucket] = (q + item["q"], a + item["a"], n + item["n"])
    return found


def _plans(user, target: Q, period: Period, flow: str, buckets, column: str) -> dict:
    """{bucket: (quantity, amount)} of the counted plans of one target the user may see."""
    inside = Q(period_start__gte=period.start, period_end__lte=period.end, flow=flow)
    plans = Plan.objects.restrict(user, "view").filter(target, inside)
    same = Plan.objects.filter(inside, target).filter(
        product_group=OuterRef("product_group"), **{column: OuterRef(column)}
    )
    if column == "organisation":
        same = same.filter(outlet__isnull=True)
    in_year = Exists(same.filter(period_kind=PeriodKind.YEAR, period_start=OuterRef("year")))
    in_quarter = Exists(
        same.filter(period_kind=PeriodKind.QUARTER, period_start=OuterRef("quarter"))
    )
    plans = plans.alias(
        year=TruncYear("period_start", output_field=DateField()),
        quarter=TruncQuarter("period_start", output_field=DateField()),
    ).filter(
        Q(period_kind=PeriodKind.YEAR)
        | (Q(period_kind=PeriodKind.QUARTER) & ~in_year)
        | (Q(period_kind=PeriodKind.MONTH) & ~in_year & ~in_quarter)
    )
    owner = _owners(buckets)
    grouped = (
        plans.filter(product_group_id__in=list(owner))
        .order_by()
        .values("product_group_id")
        .annotate(q=Sum("quantity"), a=Sum("amount"))
    )
    found = {}
    for item in grouped:
        bucket = owner[item["product_group_id"]]
        q, a = found.get(bucket, (Decimal(0), Decimal(0)))
        found[bucket] = (q + item["q"], a + item["a"])
    return found


def _owners(buckets) -> dict[int, int]:
    return {pk: bucket for bucket, ids in buckets.items() for pk in ids}


def _row(bucket, name, facts, own, theirs, hidden_fact, hidden_plan) -> SegmentRow:
    zero = (Decimal(0), Decimal(0))
    fact_q, fact_a, lines = facts.get(bucket, (Decimal(0), Decimal(0), 0))
    plan_q, plan_a = own.get(bucket, zero)
    members_q, members_a = theirs.get(bucket, zero)
    return SegmentRow(
        bucket,
        name,
        None if "quantity" in hidden_plan else plan_q,
        None if "amount" in hidden_plan else plan_a,
        None if "quantity" in hidden_fact else fact_q,
        None if "amount" in hidden_fact else fact_a,
        lines,
        None if "quantity" in hidden_plan else members_q,
        None if "amount" in hidden_plan else members_a,
    )


def _total(rows: list[SegmentRow]) -> SegmentRow:
    def add(name):
        values = [getattr(row, name) for row in rows]
        return None if any(v is None for v in values) else sum(values, Decimal(0))

    return SegmentRow(
        None,
        _("Total"),
        add("plan_quantity"),
        add("plan_amount"),
        add("fact_quantity"),
        add("fact_amount"),
        sum(row.lines for row in rows),
        add("members_plan_quantity"),
        add("members_plan_amount"),
    )


# --- pages --------------------------------------------------------------------------------------


class SegmentTable(Table):
    model = DealerSegment
    select_related = ("owner",)
    columns = [
        Column("name", link=True),
        Column(
            "members",
            label=gettext_lazy("Dealers"),
            field="members",
            render=lambda segment: segment.members.count(),
            reads=("pk",),
            css="text-end",
        ),
        owner_column(),
        Column("description", default=False),
    ]

    def _default_sort(self, column):
        return None if column.name == "members" else super()._default_sort(column)


class SegmentListView(generic.ObjectListView):
    model = DealerSegment
    table = SegmentTable
    create_url = reverse_lazy("sales:dealersegment_create")
    bulk_actions = False

    def search(self, queryset, text):
        return queryset.filter(name__icontains=text)

    def search_placeholder(self):
        return _("Segment name")


def _member_label(organisation) -> str:
    """A dealer as the segment form lists it: two dealers may share a name."""
    parts = [organisation.name, organisation.region.name if organisation.region_id else ""]
    if organisation.kind == OrganisationKind.SUB_DEALER:
        parts.append(organisation.get_kind_display())
    if organisation.inn:
        parts.append(_("INN %(inn)s") % {"inn": organisation.inn})
    return " · ".join(part for part in parts if part)


class SegmentForm(RecordForm):
    """Name, description and member dealers (those the editor may see; members they cannot
    see stay in the segment)."""

    class Meta:
        model = DealerSegment
        fields = ["name", "description", "members"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            # Thousands of dealers: only the members are listed, the rest are searched.
            "members": FilterableCheckboxes(
                search_url=reverse_lazy("sales:dealersegment_member_search")
            ),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        field = self.fields.get("members")
        if field is not None and user is not None:
            field.queryset = (
                Organisation.objects.restrict(user)
                .filter(kind__in=DEALER_KINDS, is_archived=False)
                .select_related("region")
                .order_by("name", "pk")
            )
            field.label_from_instance = _member_label
            field.help_text = _(
                "Untick a dealer to remove it; to add dealers, type a name, INN or region and "
                "tick them in what is found."
            )

    def clean_members(self):
        chosen = list(self.cleaned_data["members"])
        if self.instance.pk is None:
            return chosen
        visible = self.fields["members"].queryset
        unseen = self.instance.members.exclude(pk__in=visible.values("pk"))
        return chosen + list(unseen)


def member_candidates(user, text: str):
    """The dealers and sub-dealers a segment editor may add: those the user sees, not
    archived, whose name, INN or phone (crm.clients.selectors.organisation_search) or
    region name matches."""
    dealers = Organisation.objects.restrict(user).filter(kind__in=DEALER_KINDS, is_archived=False)
    found = organisation_search(dealers, text, user)
    # Two id subqueries: the region's name as a join inside the OR took 0.5 s at full scale.
    in_region = dealers.filter(region__name__icontains=text)
    return (
        dealers.filter(Q(pk__in=found.values("pk")) | Q(pk__in=in_region.values("pk")))
        .select_related("region")
        .order_by("name", "pk")
    )


class SegmentMemberSearchView(generic.ScopedView):
    """Dealers matching the segment form's search, as checkboxes to tick (HTMX fragment)."""

    model = DealerSegment
    action = "change"
    LIMIT = 20

    def get(self, request):
        query = request.GET.get("q", "").strip()
        name = request.GET.get("name", "members")
        if not re.fullmatch(r"[\w-]{1,50}", name):
            name = "members"
        options, more = [], False
        if len(query) >= 2:
            found = list(member_candidates(request.user, query)[: self.LIMIT + 1])
            more = len(found) > self.LIMIT
            options = [(org.pk, _member_label(org)) for org in found[: self.LIMIT]]
        context = {
            "options": options,
            "more": more,
            "limit": self.LIMIT,
            "query": query,
            "name": name,
        }
        return render(request, "core/widgets/search_options.html", context)


class SegmentEditView(generic.ObjectEditView):
    model = DealerSegment
    form_class = SegmentForm
    list_url_name = "sales:dealersegment_list"

    def defaults(self):
        user = self.request.user
        position = getattr(user, "position", None)
        return {"owner": user, "org_unit": position.org_unit if position else None}


class SegmentDeleteView(generic.ObjectDeleteView):
    model = DealerSegment
    success_url_name = "sales:dealersegment_list"

    def post(self, request, pk):
        try:
            return super().post(request, pk)
        except ProtectedError:
            messages.error(
                request,
                _(
                    "The segment has plans, so it cannot be deleted. Remove its plans in the "
                    "plan grid first."
                ),
            )
            return redirect("sales:dealersegment_detail", pk=pk)


class SegmentDetailView(generic.ScopedView):
    """The segment's page: its dealers and its plan vs fact for a period and flow."""

    model = DealerSegment
    template_name = "sales/plans/segment_detail.html"

    def get(self, request, pk):
        segment = access.get_for_user(
            DealerSegment.objects.select_related("owner"), request.user, pk=pk
        )
        cut = cut_from(request.GET)
        cut = Cut(cut.period, cut.flow, "segment", None, cut.group)
        rows = segment_plan_vs_fact(
            request.user, segment, period=cut.period, flow=cut.flow, group=cut.group
        )
        members = Organisation.objects.restrict(request.user).filter(
            pk__in=segment.members.values("pk")
        )
        context = {
            "object": segment,
            "opts": self.opts,
            "cut": cut,
            "rows": rows,
            "members": members.order_by("name")[:500],
            "hidden_members": segment.members.count() - members.count(),
            "flows": Flow.choices,
            "kinds": PeriodKind.choices,
            "periods": cut.period.choices(),
            "parent_group": ProductGroup.objects.filter(pk=cut.group).first(),
            "can_change": access.can(request.user, segment, "change"),
            "can_delete": access.can(request.user, segment, "delete"),
            "grid_url": grid_url(cut) if request.user.has_perm("sales.change_plan") else "",
        }
        return render(request, self.template_name, context)
