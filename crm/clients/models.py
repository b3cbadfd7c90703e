"""Organisations (clients, dealers, sub-dealers), their contacts, bank accounts and the
interactions with them."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Collate, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from crm.clients import requisites
from crm.core.access import RestrictedQuerySet
from crm.core.audit import tracked
from crm.core.models import VersionedModel


class OrganisationKind(models.TextChoices):
    CLIENT = "client", _("Client")
    DEALER = "dealer", _("Dealer")
    SUB_DEALER = "sub_dealer", _("Sub-dealer")


# Organisations that sell on: those with outlets, sell-out reports, stock and a cabinet.
DEALER_KINDS = (OrganisationKind.DEALER, OrganisationKind.SUB_DEALER)


class OrganisationStatus(models.TextChoices):
    POTENTIAL = "potential", _("Potential")
    ACTIVE = "active", _("Active")
    CHURNED = "churned", _("Churned")


class CounterpartyType(models.TextChoices):
    LEGAL_ENTITY = "legal", _("Legal entity")
    ENTREPRENEUR = "entrepreneur", _("Sole proprietor")
    INDIVIDUAL = "individual", _("Individual")


@tracked()
class HoldingGroup(models.Model):
    """A group of organisations under one owner (холдинг)."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    notes = models.TextField(_("notes"), blank=True)
    external_code = models.CharField(
        _("external code"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The key of this record in the ERP (1C); used by the nightly sync."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("holding group")
        verbose_name_plural = _("holding groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_code"],
                condition=~models.Q(external_code=""),
                name="clients_holding_external_code",
            )
        ]

    def __str__(self):
        return self.name


class NormName(models.Func):
    """An organisation's name as names are compared: upper case, Ё as Е, without its legal form,
    quotes or punctuation ("ООО «Ромашка-2»" -> "РОМАШКА 2"). The SQL function is IMMUTABLE
    (migration 0011), so it can be indexed and PostgreSQL folds it over a constant."""

    function = "clients_norm_name"
    output_field = models.TextField()


# A contact's scope columns are copies of its organisation's, kept by these two triggers, so that
# list filters and the row rule read the contact row alone (a join per row made a common surname
# cost 130 ms at 1M contacts). Every write of a contact recomputes them, whatever Python sent.
_CONTACT_SCOPE_FROM_ORGANISATION = """
    SELECT o.region_id, o.org_unit_id, o.owner_id
    INTO NEW.region_id, NEW.org_unit_id, NEW.owner_id
    FROM clients_organisation o WHERE o.id = NEW.organisation_id;
    RETURN NEW;
"""
_ORGANISATION_SCOPE_TO_CONTACTS = """
    UPDATE clients_contact SET region_id = NEW.region_id, org_unit_id = NEW.org_unit_id,
        owner_id = NEW.owner_id
    WHERE organisation_id = NEW.id;
    RETURN NULL;
"""
SCOPE_COLUMNS = ("region", "org_unit", "owner")


@tracked()
class Organisation(VersionedModel):
    """A client, dealer or sub-dealer with its requisites; its scope columns are region,
    org unit and owner (the assigned manager)."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.CLIENT
    )
    name = models.CharField(_("name"), max_length=300, help_text=_("Short name, as people say it."))
    legal_name = models.CharField(_("legal name"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.POTENTIAL,
    )
    counterparty_type = models.CharField(
        _("counterparty type"),
        max_length=20,
        choices=CounterpartyType.choices,
        default=CounterpartyType.LEGAL_ENTITY,
    )
    parent_dealer = models.ForeignKey(
        "self",
        verbose_name=_("parent dealer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_dealers",
        limit_choices_to={"kind": OrganisationKind.DEALER},
    )
    holding = models.ForeignKey(
        HoldingGroup,
        verbose_name=_("holding group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
    )
    client_type = models.ForeignKey(
        "refs.ClientType",
        verbose_name=_("client type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # see Meta.indexes
    )
    category = models.ForeignKey(
        "refs.ClientCategory",
        verbose_name=_("client category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # see Meta.indexes
    )
    sales_channel = models.ForeignKey(
        "refs.SalesChannel",
        verbose_name=_("sales channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # see Meta.indexes
    )
    lead_source = models.ForeignKey(
        "refs.LeadSource",
        verbose_name=_("lead source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # see Meta.indexes
    )
    region = models.ForeignKey(
        "refs.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,  # clients_org_region_status_all leads with it
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        db_index=False,  # clients_org_owner_status_all leads with it
    )
    inn = models.CharField(_("INN"), max_length=12, blank=True, validators=[requisites.check_inn])
    kpp = models.CharField(_("KPP"), max_length=9, blank=True, validators=[requisites.check_kpp])
    ogrn = models.CharField(_("OGRN / OGRNIP"), max_length=15, blank=True)
    legal_address = models.CharField(_("legal address"), max_length=500, blank=True)
    actual_address = models.CharField(_("actual address"), max_length=500, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_ext = models.CharField(_("extension"), max_length=10, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    erp_key = models.CharField(
        _("ERP key"),
        max_length=64,
        blank=True,
        help_text=_("The organisation's key in the ERP (1C); set by the sync."),
    )
    notes = models.TextField(_("notes"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        triggers = [
            pgtrigger.Trigger(
                name="organisation_scope_to_contacts",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.AnyChange("region", "org_unit", "owner"),
                func=_ORGANISATION_SCOPE_TO_CONTACTS,
            )
        ]
        permissions = [
            ("export_organisation", _("Can export organisations")),
            ("import_organisation", _("Can import organisations")),
        ]
        indexes = [
            models.Index(fields=["name", "id"], name="clients_org_name"),
            models.Index(fields=["-updated_at", "-id"], name="clients_org_updated"),
            # No index of its own on the status or on a dictionary (client type, category,
            # channel, lead source): each has 3-20 values, the planner never chose one for a
            # list (the name index with a filter wins), and together they cost 9% of every
            # imported row's write. Deleting a dictionary value scans the table once.
            # The common list filters. Whole-table, the archive flag last: a partial index
            # (working rows only) cannot serve "working and archived" (see the outlets').
            models.Index(
                fields=["region", "status", "is_archived"], name="clients_org_region_status_all"
            ),
            models.Index(
                fields=["owner", "status", "is_archived"], name="clients_org_owner_status_all"
            ),
            # Dealer pickers (segments, plans) by region: the few thousand working dealers
            # among hundreds of thousands of clients.
            models.Index(
                fields=["region", "name"],
                name="clients_org_dealer_region",
                condition=models.Q(kind__in=["dealer", "sub_dealer"], is_archived=False),
            ),
            # The dealer choice of the organisation and outlet forms, archived dealers included
            # (a record keeps its archived dealer): 110 ms scanning every client, 7 ms with it.
            models.Index(
                fields=["name", "id"],
                name="clients_org_dealer_name",
                condition=models.Q(kind__in=["dealer", "sub_dealer"]),
            ),
            models.Index(
                fields=["inn"], name="clients_org_inn_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["phone"], name="clients_org_phone"),
            # The 1C sync adopts organisations made in the CRM (no ERP key yet) by INN + KPP.
            models.Index(
                fields=["inn", "kpp"], name="clients_org_no_erp_key", condition=models.Q(erp_key="")
            ),
            # Names are searched without legal forms (ux.md; crm.clients.selectors.name_match):
            # the normalised name is indexed by migration 0011 (duplicate detection reads it
            # too), the normalised legal name here: without "ОБЩЕСТВО С ОГРАНИЧЕННОЙ
            # ОТВЕТСТВЕННОСТЬЮ" a legal name has far fewer trigrams to index on each write.
            GinIndex(
                OpClass(NormName("legal_name"), name="gin_trgm_ops"),
                name="clients_org_legal_norm_trgm",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["erp_key"], condition=~models.Q(erp_key=""), name="clients_org_erp_key"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("clients:organisation_detail", args=[self.pk])

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.ogrn:
            checker = requisites.check_ogrnip if len(self.ogrn) == 15 else requisites.check_ogrn
            try:
                self.ogrn = checker(self.ogrn)
            except ValidationError as error:
                errors["ogrn"] = error.messages
        if self.kind == OrganisationKind.SUB_DEALER and not self.parent_dealer_id:
            errors["parent_dealer"] = [_("A sub-dealer works under a dealer: choose one.")]
        if self.parent_dealer_id and self.parent_dealer_id == self.pk:
            errors["parent_dealer"] = [_("An organisation cannot be its own dealer.")]
        if errors:
            raise ValidationError(errors)

    @property
    def phone_display(self) -> str:
        return requisites.format_phone(self.phone, self.phone_ext) if self.phone else ""


@tracked()
class OrganisationGrant(UserObjectPermissionBase):
    """An explicit exception: one organisation lent to one user (django-guardian, direct FK)."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("organisation access grant")
        verbose_name_plural = _("organisation access grants")


@tracked()
class BankAccount(VersionedModel):
    """An organisation's settlement account (расчётный счёт) in a bank."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="bank_accounts",
    )
    bik = models.CharField(_("BIK"), max_length=9, validators=[requisites.check_bik])
    bank_name = models.CharField(_("bank"), max_length=300)
    corr_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    account = models.CharField(_("account"), max_length=20)
    is_primary = models.BooleanField(_("primary"), default=False)
    erp_key = models.CharField(
        _("ERP key"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The account's key in the ERP (1C); set by the sync."),
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "bik", "account"], name="clients_bankaccount_uniq"
            ),
            models.UniqueConstraint(
                fields=["erp_key"],
                condition=~models.Q(erp_key=""),
                name="clients_bankaccount_erp_key",
            ),
        ]

    def __str__(self):
        return f"{self.account} · {self.bank_name}"

    def get_absolute_url(self):
        return reverse("clients:organisation_detail", args=[self.organisation_id]) + "?tab=bank"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.bik and self.account:
            try:
                requisites.check_bank_account(self.account, self.bik)
            except ValidationError as error:
                errors["account"] = error.messages
        if self.bik and self.corr_account:
            try:
                requisites.check_corr_account(self.corr_account, self.bik)
            except ValidationError as error:
                errors["corr_account"] = error.messages
        if errors:
            raise ValidationError(errors)


@tracked(exclude=list(SCOPE_COLUMNS))
class Contact(VersionedModel):
    """A person at an organisation: who they are, how to reach them, whether we may mail them."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    last_name = models.CharField(_("last name"), max_length=150)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    job_title = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    phone_ext = models.CharField(_("extension"), max_length=10, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_secondary = models.EmailField(_("second e-mail"), blank=True)
    mailing_consent = models.BooleanField(_("agrees to mailings"), default=False)
    consent_changed_at = models.DateTimeField(
        _("consent changed"), null=True, blank=True, editable=False
    )
    notes = models.TextField(_("notes"), blank=True)
    is_archived = models.BooleanField(_("archived"), default=False)
    # Copies of the organisation's scope columns (see the triggers above); never edited here.
    region = models.ForeignKey(
        "refs.Region",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        editable=False,
        related_name="+",
    )
    org_unit = models.ForeignKey(
        "accounts.OrgUnit",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        editable=False,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        editable=False,
        related_name="+",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "id"]
        permissions = [
            ("export_contact", _("Can export contacts")),
            ("import_contact", _("Can import contacts")),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="clients_contact_name"),
            models.Index(fields=["-updated_at", "-id"], name="clients_contact_updated"),
            models.Index(fields=["phone"], name="clients_contact_phone"),
            models.Index(fields=["mobile"], name="clients_contact_mobile"),
            models.Index(fields=["region", "last_name"], name="clients_contact_region"),
            models.Index(Upper("email"), name="clients_contact_email"),
            # Name search is by the beginning of the last and first names, in byte order so
            # that one index serves both the prefix range and the ORDER BY (see contact_search).
            models.Index(
                Collate(Upper("last_name"), "C"),
                Collate(Upper("first_name"), "C"),
                "id",
                name="clients_contact_name_prefix",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="contact_scope_copy",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=_CONTACT_SCOPE_FROM_ORGANISATION,
            )
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("clients:contact_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class InteractionKind(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    NOTE = "note", _("Note")


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


@tracked()
class Interaction(VersionedModel):
    """A call, e-mail, meeting or note about an organisation, with an optional next step."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InteractionKind.choices)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, blank=True
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("details"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_date = models.DateField(_("next step date"), null=True, blank=True)
    next_step_done = models.BooleanField(_("next step done"), default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        permissions = [("export_interaction", _("Can export interactions"))]
        indexes = [
            models.Index(fields=["organisation", "-occurred_at"], name="clients_interaction_org"),
            models.Index(
                fields=["author", "next_step_date"],
                name="clients_interaction_next_step",
                condition=models.Q(next_step_done=False, next_step_date__isnull=False),
            ),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("clients:organisation_detail", args=[self.organisation_id]) + "?tab=timeline"
