"""XLSX import of plans (the wizard in crm.core.imports) and the grid's XLSX export/template.

A plan row names its period (kind and first day), flow, product group and one target:

* an outlet, by its ERP key (or its number in the CRM when it has no ERP key); the plan
  names the outlet's dealer whatever the dealer column says, so that column may stay empty;
* a dealer, by its INN (or ERP key);
* a region, by its code (77) or name;
* an org unit, by its name (or external code);
* a dealer segment, by its name.

Rows are matched to existing plans by that natural key, so a second run of the same file
changes nothing; the wizard checks first, imports all rows or none, and can undo. Targets are
looked up among those the user may plan for, so a foreign dealer is "not found". The export
writes the same columns, so an exported grid can be edited and imported back; the template is
the export with a row for every target and group of the grid, numbers empty where no plan
exists (fill them in or delete the row: the import needs a number in each row).
"""

import tempfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields

from crm.accounts.models import OrgUnit
from crm.catalog.models import ProductGroup
from crm.clients.models import Organisation
from crm.core import exporting
from crm.core.generic import ScopedView
from crm.core.imports import registry, widgets
from crm.core.imports.resources import SpecResource
from crm.core.models import ExportStatus
from crm.outlets.models import Outlet
from crm.refs.models import Region
from crm.sales import plans
from crm.sales.access import plan_targets
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import DealerSegment, Plan

EXPORT_ROW_LIMIT = 50_000


def _targets(level):
    return lambda user: plan_targets(user, level)


class OutletLookup(widgets.LookupWidget):
    """An outlet by its ERP key, or by its number in the CRM (outlets without an ERP key)."""

    def preload(self, texts) -> None:
        texts = [widgets.cell_text(text) for text in texts]
        numbers = {text for text in texts if text.isdigit() and len(text) < 19}
        if numbers - self._loaded:
            rows = self.base_queryset().filter(pk__in=[int(n) for n in numbers])
            for pk in rows.values_list("pk", flat=True):
                self._found.setdefault(str(pk), set()).add(pk)
            self._loaded |= numbers
        super().preload([text for text in texts if text not in numbers])

    def not_found_message(self, text):
        return _(
            "No outlet with the ERP key or number “%(value)s” among those you may plan for."
        ) % {"value": text[:80]}


class TargetLookup(widgets.LookupWidget):
    def not_found_message(self, text):
        return _("No %(what)s “%(value)s” among those you may plan for.") % {
            "what": self.model._meta.verbose_name,
            "value": text[:80],
        }


class PlanResource(SpecResource):
    outlet = fields.Field(
        attribute="outlet", widget=OutletLookup(Outlet, ("erp_key",), queryset=_targets("outlet"))
    )
    organisation = fields.Field(
        attribute="organisation",
        widget=TargetLookup(Organisation, ("inn", "erp_key"), queryset=_targets("dealer")),
    )
    target_region = fields.Field(
        attribute="target_region",
        widget=TargetLookup(Region, ("code", "name"), queryset=_targets("region")),
    )
    target_org_unit = fields.Field(
        attribute="target_org_unit",
        widget=TargetLookup(OrgUnit, ("name", "external_code"), queryset=_targets("org_unit")),
    )
    segment = fields.Field(
        attribute="segment",
        widget=TargetLookup(DealerSegment, ("name",), queryset=_targets("segment")),
    )
    product_group = fields.Field(
        attribute="product_group",
        widget=widgets.LookupWidget(ProductGroup, ("external_code", "name")),
    )

    class Meta:
        model = Plan
        fields = (
            "period_kind",
            "period_start",
            "flow",
            "outlet",
            "organisation",
            "target_region",
            "target_org_unit",
            "segment",
            "product_group",
            "quantity",
            "amount",
        )


_PERIOD = ("period_kind", "period_start", "flow", "product_group")
_TARGET_FIELDS = ("outlet", "organisation", "target_region", "target_org_unit", "segment")


def check_plan(plan: Plan) -> None:
    """What the database would refuse, said per column: one target, the period's first day,
    no negative numbers."""
    errors = {}
    named = [name for name in _TARGET_FIELDS if getattr(plan, f"{name}_id") is not None]
    if plan.outlet_id is not None:
        named = [name for name in named if name != "organisation"]  # the outlet's dealer
    if len(named) != 1:
        errors["__all__"] = [
            _(
                "Fill exactly one target: an outlet, a dealer, a region, an org unit or a "
                "dealer segment."
            )
        ]
    if plan.period_kind and plan.period_start:
        try:
            plans.Period(plan.period_kind, plan.period_start)
        except ValueError:
            errors["period_start"] = [
                _("A plan starts on the first day of its month, quarter or year.")
            ]
    for measure in plans.MEASURES:
        value = getattr(plan, measure)
        if value is not None and value < 0:
            errors[measure] = [_("A plan is not negative: enter 0 or more.")]
    if errors:
        raise ValidationError(errors)


PLANS = registry.register(
    registry.ImportSpec(
        model=Plan,
        resource_class=PlanResource,
        keys=(
            # An outlet's plan also names the outlet's dealer: matched by the outlet alone.
            registry.NaturalKey(
                "outlet",
                (*_PERIOD, "outlet"),
                normalise=registry.pk_or_value,
                query_field="period_start",
            ),
            registry.NaturalKey(
                "target",
                (*_PERIOD, *_TARGET_FIELDS),
                required=_PERIOD,
                normalise=registry.pk_or_value,
                query_field="period_start",
            ),
        ),
        aliases={
            "period_kind": ("вид периода", "период", "period kind", "period"),
            "period_start": ("начало периода", "первый день периода", "period start"),
            "flow": ("поток", "flow"),
            "outlet": (
                "торговая точка код erp",
                "код торговой точки",
                "код точки",
                "outlet erp key",
                "outlet",
            ),
            "organisation": ("дилер инн", "инн дилера", "дилер", "dealer inn", "dealer"),
            "target_region": ("регион код", "код региона", "регион", "region code", "region"),
            "target_org_unit": ("подразделение", "org unit"),
            "segment": ("сегмент дилеров", "сегмент", "dealer segment", "segment"),
            "product_group": ("группа товаров", "группа мц", "группа", "product group"),
            "quantity": ("количество", "кол-во", "план количество", "quantity"),
            "amount": ("сумма", "сумма руб", "план сумма", "amount"),
        },
        required=("period_kind", "period_start", "flow", "product_group", "quantity", "amount"),
        validate=check_plan,
        key_help=gettext_lazy(
            "Rows are matched to existing plans by period, flow, product group and target "
            "(an outlet by its ERP key, a dealer by its INN, a region by its code, an org unit "
            "or a dealer segment by its name). Keep every target column in the file, even "
            "where it is empty; an outlet's plan is its dealer's, so its dealer cell may stay "
            "empty."
        ),
    )
)


# --- export and template ----------------------------------------------------------------------

HEADERS = (
    gettext_lazy("Period kind"),
    gettext_lazy("Period start"),
    gettext_lazy("Flow"),
    gettext_lazy("Outlet ERP key"),
    gettext_lazy("Dealer INN"),
    gettext_lazy("Region code"),
    gettext_lazy("Org unit"),
    gettext_lazy("Dealer segment"),
    gettext_lazy("Product group"),
    gettext_lazy("Quantity"),
    gettext_lazy("Amount"),
    gettext_lazy("Target (for reading, not imported)"),
)
_TARGET_INDEX = {"outlet": 3, "dealer": 4, "region": 5, "org_unit": 6, "segment": 7}


def _reference(level: str, target) -> str:
    """How the import finds the target again."""
    if level == "outlet":
        return target.erp_key or str(target.pk)
    if level == "dealer":
        return target.inn or target.erp_key
    if level == "region":
        return target.code
    return target.name


def export_rows(user, cut: plans.Cut, *, template: bool):
    """The grid as rows of the import's columns: its plans (``template``: every target ×
    group, numbers empty where no plan exists)."""
    groups = plans.group_columns(cut.group)
    group_refs = {group.pk: group.external_code or group.name for group in groups}
    kind = str(PeriodKind(cut.period.kind).label)
    flow = str(Flow(cut.flow).label)
    start = cut.period.start.strftime("%d.%m.%Y")
    rows = plans.targets(user, cut)
    if cut.level == "outlet":
        rows = rows.select_related("dealer")
    for offset in range(0, EXPORT_ROW_LIMIT, 1000):
        chunk = list(rows[offset : offset + 1000])
        if not chunk:
            break
        existing = plans.plans_of(cut, [t.pk for t in chunk], list(group_refs))
        for target in chunk:
            for group in groups:
                plan = existing.get((target.pk, group.pk))
                if plan is None and not template:
                    continue
                row = [kind, start, flow, "", "", "", "", "", group_refs[group.pk]]
                row[_TARGET_INDEX[cut.level]] = _reference(cut.level, target)
                if cut.level == "outlet":  # the outlet's dealer too: a re-run then matches
                    row[_TARGET_INDEX["dealer"]] = _reference("dealer", target.dealer)
                row += [plan.quantity, plan.amount] if plan else ["", ""]
                yield [*row, str(target)]


class PlanExportView(ScopedView):
    """The grid's cut as an XLSX file in the import's columns (``?template=1``: a row for every
    cell), under the export permission, the daily quota and the export log."""

    model = Plan
    action = "export"

    def get(self, request):
        cut = plans.cut_from(request.GET)
        template = request.GET.get("template") == "1"
        rows = list(export_rows(request.user, cut, template=template))
        try:
            exporting.quota_reserve(request.user, len(rows))
        except exporting.QuotaExceeded as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(plans.grid_url(cut))
        entry = exporting.log_export(
            request.user,
            model=Plan,
            query=cut.query(template="1" if template else ""),
            file_format="xlsx",
            rows=len(rows),
            status=ExportStatus.QUEUED,
        )
        handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        exporting.write_xlsx(
            handle, [str(h) for h in HEADERS], rows, title=str(Plan._meta.verbose_name_plural)
        )
        exporting.log_finish(entry, sha256=exporting.sha256_of_handle(handle))
        name = f"plans-{cut.level}-{cut.period.start:%Y-%m}-{timezone.localdate():%Y%m%d}.xlsx"
        if template:
            name = "template-" + name
        return FileResponse(handle, as_attachment=True, filename=name)
