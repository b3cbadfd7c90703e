"""Users, the org structure (org units and positions) and per-user preferences."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from crm.accounts import roles
from crm.core.audit import tracked, tracked_m2m


class OrgUnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    MACRO_REGION = "macro_region", _("Macro-region")
    REGION = "region", _("Region")
    OFFICE = "office", _("Office")
    DEPARTMENT = "department", _("Department")


@tracked()
class OrgUnit(models.Model):
    """A node of the company tree: company → macro-region → region → office or department.

    A region-level unit covers a set of geographic regions; users in it (and in the units
    below it) are scoped to those regions.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgUnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    regions = models.ManyToManyField(
        "refs.Region", verbose_name=_("geographic regions"), blank=True, related_name="org_units"
    )
    external_code = models.CharField(_("external code"), max_length=64, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="accounts_orgunit_parent_name"),
        ]

    def __str__(self):
        return self.name

    def descendant_ids(self) -> list[int]:
        """Ids of this unit and every unit below it (one recursive query)."""
        sql = """
            WITH RECURSIVE tree(id) AS (
                SELECT id FROM accounts_orgunit WHERE id = %s
                UNION ALL
                SELECT u.id FROM accounts_orgunit u JOIN tree t ON u.parent_id = t.id
            ) SELECT id FROM tree
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.pk])
            return [row[0] for row in cursor.fetchall()]


@tracked()
class Position(models.Model):
    """A job position (должность) inside an org unit; field visibility is set per position."""

    name = models.CharField(_("name"), max_length=200)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("org unit"), on_delete=models.PROTECT, related_name="positions"
    )
    is_head = models.BooleanField(
        _("head of the unit"), default=False, help_text=_("The position that leads its org unit.")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["org_unit__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "name"], name="accounts_position_unit_name"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.org_unit})"


TIME_ZONE_CHOICES = [
    (name, name)
    for name in sorted(zoneinfo.available_timezones())
    if name.startswith(("Europe/", "Asia/")) or name == "UTC"
]


@tracked(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who logs in: staff, a dealer's employee, an auditor, a contractor."""

    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    manager = models.ForeignKey(
        "self",
        verbose_name=_("line manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subordinates",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default=settings.TIME_ZONE
    )
    notification_email = models.EmailField(
        _("e-mail for notifications"),
        blank=True,
        help_text=_("Leave empty to receive notifications at your account e-mail."),
    )
    export_daily_rows = models.PositiveIntegerField(
        _("export quota, rows a day"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the default quota (the EXPORT_DAILY_ROWS setting)."),
    )
    digest_enabled = models.BooleanField(
        _("daily digest"),
        default=False,
        help_text=_("Collect e-mail notifications into one letter a day instead of one each."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        parts = [self.last_name, self.first_name, self.middle_name]
        return " ".join(p for p in parts if p).strip()

    @property
    def role_codes(self) -> frozenset[str]:
        """The names of the user's roles (groups), read once per request with the scope."""
        from crm.accounts.scopes import scope_of

        return scope_of(self).roles if self.pk else frozenset()

    def has_perm(self, perm, obj=None):
        """Django's answer, with a model permission (no object) looked up in the set of all
        the user's model permissions, read once per request: a page asks for twenty (its
        menu, its buttons), and Django asks every authentication backend each time."""
        if obj is not None or not self.is_active:
            return super().has_perm(perm, obj)
        if self.is_superuser:
            return True
        granted = self.__dict__.get("_model_perms")
        if granted is None:
            granted = self.__dict__["_model_perms"] = frozenset(self.get_all_permissions())
        return perm in granted

    def refresh_access(self) -> None:
        """Forget the roles, scope, field policies and permissions read in this request."""
        for name in (
            "_crm_scope",
            "_crm_field_levels",
            "_perm_cache",
            "_user_perm_cache",
            "_model_perms",
        ):
            self.__dict__.pop(name, None)
        self.__dict__.pop("_group_perm_cache", None)

    @property
    def org_unit(self):
        return self.position.org_unit if self.position_id else None

    @property
    def is_outside_party(self) -> bool:
        return bool(self.role_codes & roles.OUTSIDE_ROLES)

    @property
    def requires_second_factor(self) -> bool:
        return self.is_superuser or bool(self.role_codes & set(settings.OTP_REQUIRED_ROLES))

    @property
    def email_for_notifications(self) -> str:
        return self.notification_email or self.email


# Role and permission changes are writes too: record additions and removals of a user's groups
# and permissions, and of an org unit's regions (the "setup audit").
for _through, _related in (
    (User.groups.through, "group_events"),
    (User.user_permissions.through, "permission_events"),
    (OrgUnit.regions.through, "region_events"),
):
    tracked_m2m(_through, related_name=_related)


class FieldAccess(models.IntegerChoices):
    """A field policy's verdict; the lower value is the stricter (crm.core.access.FieldLevel)."""

    HIDDEN = 0, _("Hidden")
    READ_ONLY = 1, _("Read only")
    EDITABLE = 2, _("Editable")


@tracked()
class FieldPolicy(models.Model):
    """Which fields of a model a role or a position may see or edit (one row per field).

    Where a role's and a position's policy both apply, the stricter wins. Fields without a
    policy are editable for staff and hidden from outside roles.
    """

    model = models.CharField(_("model"), max_length=100, help_text=_("app_label.model_name"))
    field = models.CharField(_("field"), max_length=100)
    role = models.ForeignKey(
        "auth.Group",
        verbose_name=_("role"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="field_policies",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="field_policies",
    )
    access = models.PositiveSmallIntegerField(_("access"), choices=FieldAccess.choices)

    class Meta:
        verbose_name = _("field policy")
        verbose_name_plural = _("field policies")
        ordering = ["model", "field"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__isnull=True, position__isnull=False)
                | models.Q(role__isnull=False, position__isnull=True),
                name="accounts_fieldpolicy_role_xor_position",
            ),
            models.UniqueConstraint(
                fields=["model", "field", "role"],
                condition=models.Q(role__isnull=False),
                name="accounts_fieldpolicy_role_uniq",
            ),
            models.UniqueConstraint(
                fields=["model", "field", "position"],
                condition=models.Q(position__isnull=False),
                name="accounts_fieldpolicy_position_uniq",
            ),
        ]

    def __str__(self):
        holder = self.role or self.position
        return f"{self.model}.{self.field} · {holder}: {self.get_access_display()}"
