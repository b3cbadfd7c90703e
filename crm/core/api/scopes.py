"""The scopes an API key can hold. A view declares the scopes it needs in ``required_scopes``.

Add a scope here when a new endpoint group appears; the admin offers exactly these choices.
"""

from django.utils.translation import gettext_lazy as _

SCOPES = {
    "refs:read": _("Read reference dictionaries (geography, banks, units, payment forms…)"),
    "clients:read": _("Read organisations, contacts and interactions"),
    "clients:write": _("Create, change and delete organisations, contacts and interactions"),
    "outlets:read": _("Read outlets of dealers"),
    "outlets:write": _("Create, change and delete outlets"),
    "catalog:read": _("Read the catalogue: products, groups, brands, series, price lists"),
    "catalog:write": _("Create, change and delete catalogue records and prices"),
}


def scope_choices() -> list[tuple[str, str]]:
    return list(SCOPES.items())
