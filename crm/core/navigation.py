"""The main menu: groups of links, each shown only to users with its permission."""

import functools
from dataclasses import dataclass, field

from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # None: every logged-in user
    staff_only: bool = False  # only for staff (not dealers, auditors, contractors)
    admin_only: bool = False  # Django admin users only

    def visible_to(self, user) -> bool:
        if self.admin_only and not user.is_staff:
            return False
        if self.staff_only and user.is_outside_party:
            return False
        return self.permission is None or user.has_perm(self.permission)


@dataclass(frozen=True)
class NavGroup:
    label: str
    items: list[NavItem] = field(default_factory=list)


MENU: list[NavGroup] = [
    NavGroup(
        _("Clients"),
        [
            # Dealers read their own organisation and outlets in the cabinet, not here.
            NavItem(
                _("Organisations"),
                "clients:organisation_list",
                "clients.view_organisation",
                staff_only=True,
            ),
            NavItem(_("Contacts"), "clients:contact_list", "clients.view_contact", staff_only=True),
            NavItem(
                _("Interactions"),
                "clients:interaction_list",
                "clients.view_interaction",
                staff_only=True,
            ),
            NavItem(_("Outlets"), "outlets:outlet_list", "outlets.view_outlet", staff_only=True),
            NavItem(_("Imports"), "core:import_list", staff_only=True),
            NavItem(_("Approvals"), "approvals:request_list", staff_only=True),
            NavItem(
                _("Data conflicts"),
                "approvals:conflict_list",
                "approvals.resolve_conflict",
                staff_only=True,
            ),
        ],
    ),
    NavGroup(
        _("Sales"),
        [
            NavItem(
                _("Client purchases"), "sales:purchases", "sales.view_salesline", staff_only=True
            ),
            NavItem(_("Plan vs fact"), "sales:planfact", "sales.view_salesmonth", staff_only=True),
            NavItem(_("Sales plans"), "sales:plan_grid", "sales.change_plan", staff_only=True),
            NavItem(
                _("Dealer segments"),
                "sales:dealersegment_list",
                "sales.view_dealersegment",
                staff_only=True,
            ),
            NavItem(
                _("Dealer stock"),
                "stock:stockbalance_list",
                "stock.view_stockbalance",
                staff_only=True,
            ),
            NavItem(
                _("Dealers that have not reported"),
                "sales:not_reported",
                "dealers.view_salesreport",
                staff_only=True,
            ),
        ],
    ),
    NavGroup(
        _("Catalogue"),
        [
            NavItem(_("Products"), "catalog:product_list", "catalog.view_product", staff_only=True),
            NavItem(
                _("Product groups"),
                "catalog:productgroup_list",
                "catalog.view_productgroup",
                staff_only=True,
            ),
            NavItem(_("Brands"), "catalog:brand_list", "catalog.view_brand", staff_only=True),
            NavItem(_("Series"), "catalog:series_list", "catalog.view_series", staff_only=True),
            NavItem(
                _("Price lists"),
                "catalog:pricelist_list",
                "catalog.view_pricelist",
                staff_only=True,
            ),
        ],
    ),
    NavGroup(
        _("Data contractor"),
        [NavItem(_("Data exchange"), "approvals:contractor", "approvals.exchange_changerequest")],
    ),
    NavGroup(
        _("Administration"),
        [
            NavItem(_("Admin site"), "admin:index", admin_only=True),
            NavItem(_("API documentation"), "api:docs", admin_only=True),
        ],
    ),
]


def menu_for(user) -> list[dict]:
    """The groups and links this user may see, with resolved URLs."""
    return _groups(_visible(user))


def _visible(user) -> tuple[tuple[int, int], ...]:
    """(group, item) positions of the links this user may see."""
    return tuple(
        (g, i)
        for g, group in enumerate(MENU)
        for i, item in enumerate(group.items)
        if item.visible_to(user)
    )


_MENU_HTML: dict[tuple, str] = {}


def menu_html(user) -> str:
    """The menu's dropdowns for the navbar: the same groups and links as ``menu_for``, as
    HTML built once per set of visible links, language and script prefix (a handful per
    process), instead of a template loop on every page."""
    visible = _visible(user)
    key = (translation.get_language(), get_script_prefix(), visible)
    html = _MENU_HTML.get(key)
    if html is None:
        if len(_MENU_HTML) > 500:
            _MENU_HTML.clear()
        html = _MENU_HTML[key] = "".join(
            '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#" '
            'role="button" data-bs-toggle="dropdown" aria-expanded="false">'
            f'{escape(group["label"])}</a><ul class="dropdown-menu">'
            + "".join(
                f'<li><a class="dropdown-item" href="{escape(link["url"])}">'
                f"{escape(link['label'])}</a></li>"
                for link in group["links"]
            )
            + "</ul></li>"
            for group in _groups(visible)
        )
    return mark_safe(html)  # noqa: S308 (labels and URLs escaped above)


def _groups(visible) -> list[dict]:
    groups = {}
    for g, i in visible:
        item = MENU[g].items[i]
        link = {"label": item.label, "url": _url(item.url_name, get_script_prefix())}
        groups.setdefault(g, {"label": MENU[g].label, "links": []})["links"].append(link)
    return list(groups.values())


@functools.cache
def _url(name: str, prefix: str) -> str:
    """A menu link, reversed once per process (and script prefix), not on every page."""
    return reverse(name)
