"""The dealer cabinet's records: who acts for which dealer, the quarters dealers report and
whether they are closed, the quarterly sales reports with their figures per outlet × product
group, and the sales dealers' and sub-dealers' users enter as they happen.

The figures themselves live in the sales ledger (crm.sales): a submitted report writes sell-out
lines with source "dealer", a sub-dealer's entry one line with source "sub_dealer". What is
kept here is what people typed, for the form, the history and the audit trail.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.clients.models import DEALER_KINDS
from crm.core.access import RestrictedQuerySet
from crm.core.audit import tracked
from crm.core.models import VersionedModel
from crm.core.periods import Quarter

QUARTER_STARTS = Q(quarter_start__day=1, quarter_start__month__in=[1, 4, 7, 10])


def _new_key() -> str:
    return uuid.uuid4().hex


@tracked()
class DealerMembership(models.Model):
    """Ties a dealer's or sub-dealer's user to the organisation they act for.

    A dealer's user acts for the dealer and its sub-dealers, a sub-dealer's user for the
    sub-dealer alone (crm.accounts.scopes reads this into ``Scope.dealer_ids``).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="dealer_membership",
    )
    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind__in": DEALER_KINDS},
        help_text=_("The dealer or sub-dealer this user works for."),
    )
    is_admin = models.BooleanField(
        _("administrator of the organisation's users"),
        default=False,
        help_text=_(
            "Invites users of the organisation (a dealer's: also of its sub-dealers) in the "
            "cabinet and can block them."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("dealer membership")
        verbose_name_plural = _("dealer memberships")
        ordering = ["organisation__name", "user__username"]

    def __str__(self):
        return f"{self.user} → {self.organisation}"

    def clean(self):
        if self.organisation_id and self.organisation.kind not in DEALER_KINDS:
            raise ValidationError(
                {"organisation": _("Choose a dealer or a sub-dealer: only they use the cabinet.")}
            )


@tracked()
class ReportingPeriod(models.Model):
    """A quarter dealers report for. Closed, it locks their reports and entries of that quarter.
    The beat task closes the previous quarter on DEALER_PERIOD_CLOSE_DAY (dealers.periodclose);
    staff with the permission reopen it, and a reopened quarter stays open until someone closes
    it again by hand. A quarter without a row is open."""

    quarter_start = models.DateField(
        _("quarter"), unique=True, help_text=_("The first day of the quarter.")
    )
    is_closed = models.BooleanField(_("closed"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("Empty when the scheduled task closed the quarter."),
    )
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True, editable=False)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reopened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["-quarter_start"]
        permissions = [("reopen_reportingperiod", _("Can reopen a closed quarter"))]
        constraints = [
            models.CheckConstraint(
                condition=QUARTER_STARTS,
                name="dealers_period_quarter_start",
                violation_error_message=_("A quarter starts on 1 January, April, July or October."),
            )
        ]

    def __str__(self):
        return Quarter.of(self.quarter_start).label

    @property
    def quarter(self) -> Quarter:
        return Quarter.of(self.quarter_start)


@tracked()
class SalesReport(VersionedModel):
    """A dealer's quarterly sell-out report, as last submitted. Its version guards against a
    form opened before someone else's submission overwriting it."""

    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("dealer"),
        on_delete=models.PROTECT,
        related_name="sales_reports",
    )
    quarter_start = models.DateField(_("quarter"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quarterly sales report")
        verbose_name_plural = _("quarterly sales reports")
        ordering = ["-quarter_start", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "quarter_start"], name="dealers_report_per_quarter"
            ),
            models.CheckConstraint(condition=QUARTER_STARTS, name="dealers_report_quarter_start"),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.quarter.label}"

    @property
    def quarter(self) -> Quarter:
        return Quarter.of(self.quarter_start)


@tracked()
class SalesReportCell(models.Model):
    """One figure of a report: the quarter's sell-out of one outlet (or of the dealer without
    an outlet) in one top-level product group."""

    report = models.ForeignKey(
        SalesReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="cells"
    )
    outlet = models.ForeignKey(
        "outlets.Outlet",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    product_group = models.ForeignKey(
        "catalog.ProductGroup",
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("report figure")
        verbose_name_plural = _("report figures")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "outlet", "product_group"],
                name="dealers_report_cell",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0, amount__gte=0), name="dealers_report_cell_positive"
            ),
        ]

    def __str__(self):
        return f"{self.outlet or '—'} · {self.product_group}: {self.amount}"


@tracked()
class SaleEntry(models.Model):
    """A sale a dealer's or sub-dealer's user enters in the cabinet as it happens.

    A sub-dealer's entry goes to the ledger at once (a sell-out line with source "sub_dealer"
    and ``line_external_id``). A dealer's entry is a draft: it prefills the quarterly report, and
    only the submitted report goes to the ledger (otherwise the sale would count twice).
    """

    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("seller"),
        on_delete=models.PROTECT,
        related_name="sale_entries",
    )
    date = models.DateField(_("date"))
    outlet = models.ForeignKey(
        "outlets.Outlet",
        verbose_name=_("outlet"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    product_group = models.ForeignKey(
        "catalog.ProductGroup",
        verbose_name=_("product group"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    key = models.CharField(
        _("key"),
        max_length=32,
        unique=True,
        default=_new_key,
        editable=False,
        help_text=_("Issued with the form, so that a form sent twice enters one sale."),
    )
    recorded = models.BooleanField(
        _("in the sales ledger"),
        default=False,
        editable=False,
        help_text=_("A sub-dealer's sale, recorded as a sales line; a dealer's draft is not."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sale entry")
        verbose_name_plural = _("sale entries")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["organisation", "date"], name="dealers_entry_org_date")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(quantity=0)
                & ~Q(quantity__gt=0, amount__lt=0)
                & ~Q(quantity__lt=0, amount__gt=0),
                name="dealers_entry_signs",
                violation_error_message=_(
                    "Quantity and amount have opposite signs: a return is negative in both."
                ),
            )
        ]

    def __str__(self):
        return f"{self.date} · {self.product} × {self.quantity}"

    @property
    def line_external_id(self) -> str:
        """The external id of the sales line a recorded entry became (source sub_dealer)."""
        return f"cabinet-sale:{self.key}"


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Sent, not accepted yet")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Withdrawn")


@tracked(exclude=["token_hash"])
class DealerInvitation(models.Model):
    """A dealer administrator's invitation of a person to the cabinet of an organisation (their
    own or a sub-dealer's), sent by e-mail as a single-use link that expires.

    Only a hash of the link's token is stored: the link cannot be rebuilt from the database.
    """

    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="cabinet_invitations",
        limit_choices_to={"kind__in": DEALER_KINDS},
    )
    email = models.EmailField(_("e-mail"))
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("valid until"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user created"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cabinet invitation")
        verbose_name_plural = _("cabinet invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return InvitationState.ACCEPTED
        if self.revoked_at:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING

    def get_state_display(self) -> str:
        return InvitationState(self.state).label


class ProposalKind(models.TextChoices):
    CHANGE = "change", _("Changes to an outlet")
    NEW = "new", _("A new outlet")


@tracked()
class OutletProposal(models.Model):
    """A dealer's proposal about an outlet, as the dealer follows it in the cabinet: the change
    request it became (crm.approvals, source dealer or sub-dealer) carries the values and the
    decision; this row says whose proposal it is, so the dealer's users can see its state
    (outside roles never read change requests themselves).

    A new outlet is proposed as an archived outlet in status "planned" holding the proposed
    name, and a change request that un-archives it with the other proposed values: approving
    the request opens the outlet, rejecting it leaves it archived (see docs/user/cabinet.md).
    """

    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="outlet_proposals",
    )
    outlet = models.ForeignKey(
        "outlets.Outlet",
        verbose_name=_("outlet"),
        on_delete=models.CASCADE,
        related_name="dealer_proposals",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProposalKind.choices)
    request = models.OneToOneField(
        "approvals.ChangeRequest",
        verbose_name=_("change request"),
        on_delete=models.CASCADE,
        related_name="dealer_proposal",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed at"), default=timezone.now, editable=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("outlet proposal")
        verbose_name_plural = _("outlet proposals")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "created_at"], name="dealers_proposal_org"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.outlet}"


@tracked(exclude=["figures"])
class ReportUpload(models.Model):
    """A quarterly report a dealer uploaded as XLSX: the figures read from the file, kept as a
    prefill source of the report form (the latest one, while no later report was sent)."""

    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("dealer"),
        on_delete=models.PROTECT,
        related_name="report_uploads",
    )
    quarter_start = models.DateField(_("quarter"))
    filename = models.CharField(_("file"), max_length=255)
    # {"<outlet id or 0>-<group id>": ["quantity", "amount"]}
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    version = models.PositiveIntegerField(
        _("report version of the template"),
        default=0,
        help_text=_("The report's version when the template was downloaded (0: none yet)."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)
    submitted = models.BooleanField(_("sent as the report"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("uploaded report")
        verbose_name_plural = _("uploaded reports")
        ordering = ["-uploaded_at", "-id"]
        indexes = [
            models.Index(
                fields=["organisation", "quarter_start", "uploaded_at"],
                name="dealers_upload_org_quarter",
            )
        ]
        constraints = [
            models.CheckConstraint(condition=QUARTER_STARTS, name="dealers_upload_quarter_start")
        ]

    def __str__(self):
        return f"{self.organisation} · {Quarter.of(self.quarter_start).label} · {self.filename}"

    def figure_map(self) -> dict:
        """{(outlet id or None, group id): (quantity, amount)} as the report form takes them."""
        from decimal import Decimal

        result = {}
        for key, (quantity, amount) in self.figures.items():
            outlet, _sep, group = key.partition("-")
            result[(int(outlet) or None, int(group))] = (Decimal(quantity), Decimal(amount))
        return result
