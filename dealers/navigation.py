"""The cabinet's entry in the main menu: shown to dealers' and sub-dealers' users only."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from crm.accounts.scopes import DEALER_ROLES
from crm.core import navigation


@dataclass(frozen=True)
class CabinetItem(navigation.NavItem):
    """A menu link for the users of a dealer or sub-dealer."""

    def visible_to(self, user) -> bool:
        return bool(user.role_codes & DEALER_ROLES)


@dataclass(frozen=True)
class CabinetAdminItem(CabinetItem):
    """A menu link for the administrators of a dealer's or sub-dealer's users."""

    def visible_to(self, user) -> bool:
        if not super().visible_to(user):
            return False
        from dealers.selectors import cabinet_of

        cabinet = cabinet_of(user)
        return cabinet is not None and cabinet.is_admin


CABINET_MENU = navigation.NavGroup(
    _("Dealer cabinet"),
    [
        CabinetItem(_("Plan and fact"), "dealers:home"),
        CabinetItem(_("Sales"), "dealers:saleentry_list"),
        CabinetItem(_("My outlets"), "dealers:outlet_list"),
        CabinetItem(_("My proposals"), "dealers:outletproposal_list"),
        CabinetItem(_("Stock"), "dealers:stock_list"),
        CabinetAdminItem(_("Users"), "dealers:user_list"),
    ],
)


def add_cabinet_menu() -> None:
    """Put the cabinet first in the main menu (once per process)."""
    if CABINET_MENU not in navigation.MENU:
        navigation.MENU.insert(0, CABINET_MENU)
