"""Outlets in the global search (crm.core.search), through the same selector as their list."""

from django.utils.translation import gettext_lazy as _

from crm.core import access, search
from crm.core.search import Hit, Kind, field_text, joined
from crm.outlets import services
from crm.outlets.models import Outlet


def find_outlets(queryset, query, user):
    if query.kind != Kind.TEXT:
        return None
    return services.outlet_search(queryset.select_related("dealer"), query.text, user)


def show_outlet(outlet, user) -> Hit:
    visible = access.visible_fields(user, Outlet)
    dealer = outlet.dealer.name if "dealer" in visible else ""
    return Hit(
        title=field_text(outlet, "name", visible) or _("Outlet #%(pk)s") % {"pk": outlet.pk},
        subtitle=joined(dealer, field_text(outlet, "address", visible)),
        url=outlet.get_absolute_url(),
    )


search.register(
    search.Searchable(
        key="outlets",
        model=Outlet,
        label=_("Outlets"),
        find=find_outlets,
        show=show_outlet,
        list_url_name="outlets:outlet_list",
        order=30,
    )
)
