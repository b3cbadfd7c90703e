"""The roles (Django groups) every installation has, seeded by a data migration."""

from django.utils.translation import gettext_lazy as _

from crm.core.choices import Source

ADMINISTRATOR = "administrator"
HEAD_OF_SALES = "head_of_sales"
REGIONAL_MANAGER = "regional_manager"
SALES_MANAGER = "sales_manager"
MARKETER = "marketer"
APPROVER = "approver"
ANALYST = "analyst"
DEALER = "dealer"
SUB_DEALER = "sub_dealer"
AUDITOR = "auditor"
DATA_CONTRACTOR = "data_contractor"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    HEAD_OF_SALES: _("Head of sales"),
    REGIONAL_MANAGER: _("Regional manager"),
    SALES_MANAGER: _("Sales manager"),
    MARKETER: _("Marketer"),
    APPROVER: _("Approver (data steward)"),
    ANALYST: _("Analyst"),
    DEALER: _("Dealer"),
    SUB_DEALER: _("Sub-dealer"),
    AUDITOR: _("Auditor"),
    DATA_CONTRACTOR: _("Data contractor"),
}
ALL_ROLES = tuple(ROLE_LABELS)

# Outside parties: they never see what is not granted to them and use their own doors.
OUTSIDE_ROLES = frozenset({DEALER, SUB_DEALER, AUDITOR, DATA_CONTRACTOR})

_ROLE_SOURCE = {
    DEALER: Source.DEALER,
    SUB_DEALER: Source.SUB_DEALER,
    AUDITOR: Source.AUDITOR,
    DATA_CONTRACTOR: Source.CONTRACTOR,
}


def role_label(code: str) -> str:
    return str(ROLE_LABELS.get(code, code))


def source_for_user(user) -> Source:
    """The provenance Source of values a user writes (staff unless an outside role)."""
    if user is None:
        return Source.SYSTEM
    for role in user.role_codes:
        if role in _ROLE_SOURCE:
            return _ROLE_SOURCE[role]
    return Source.STAFF


# Permissions each role gets by default, per app and model. Applied after every migrate to
# roles that have no permission of that app yet, so administrators' later edits stay.
_ALL = ("view", "add", "change", "delete", "export", "import")
_CLIENT_MODELS = ("organisation", "contact", "interaction", "bankaccount")
_CATALOG_MODELS = ("productgroup", "brand", "series", "product", "pricelist", "pricelistitem")
_READ = ("view", "export")
_OUTLET_MODELS = ("outlet", "outletequipment", "outletphoto")
_SALES_SUMS = ("salesmonth", "salesmonthoutlet")
_REFS_MODELS = (
    "country",
    "federaldistrict",
    "region",
    "city",
    "clienttype",
    "clientcategory",
    "saleschannel",
    "leadsource",
    "outletformat",
    "unitofmeasure",
    "bank",
    "paymentform",
    "warehouse",
)
DEFAULT_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "clients": {
        ADMINISTRATOR: dict.fromkeys(_CLIENT_MODELS, _ALL),
        HEAD_OF_SALES: dict.fromkeys(_CLIENT_MODELS, _ALL),
        REGIONAL_MANAGER: dict.fromkeys(_CLIENT_MODELS, ("view", "add", "change", "export"))
        | {"interaction": _ALL}
        | dict.fromkeys(("organisation", "contact"), ("view", "add", "change", "export", "import")),
        SALES_MANAGER: dict.fromkeys(_CLIENT_MODELS, ("view", "add", "change"))
        | {"interaction": ("view", "add", "change", "delete")},
        MARKETER: {"organisation": ("view",), "contact": ("view", "export")},
        APPROVER: dict.fromkeys(_CLIENT_MODELS, ("view", "change")),
        ANALYST: dict.fromkeys(_CLIENT_MODELS, ("view", "export")),
        DEALER: {"organisation": ("view",)},
        SUB_DEALER: {"organisation": ("view",)},
    },
    "outlets": {
        ADMINISTRATOR: dict.fromkeys(_OUTLET_MODELS, _ALL),
        HEAD_OF_SALES: dict.fromkeys(_OUTLET_MODELS, _ALL),
        REGIONAL_MANAGER: dict.fromkeys(_OUTLET_MODELS, ("view", "add", "change", "delete"))
        | {"outlet": ("view", "add", "change", "export", "import")},
        SALES_MANAGER: dict.fromkeys(_OUTLET_MODELS, ("view", "add", "change", "delete"))
        | {"outlet": ("view", "add", "change")},
        MARKETER: dict.fromkeys(_OUTLET_MODELS, ("view",)) | {"outlet": _READ},
        APPROVER: dict.fromkeys(_OUTLET_MODELS, ("view", "change")),
        ANALYST: dict.fromkeys(_OUTLET_MODELS, ("view",)) | {"outlet": _READ},
        DEALER: dict.fromkeys(_OUTLET_MODELS, ("view",)),
        SUB_DEALER: dict.fromkeys(_OUTLET_MODELS, ("view",)),
    },
    # Dealers, auditors and the data contractor get no catalogue pages (their own screens
    # will show what they need); dictionaries need no grant: everyone reads them.
    "catalog": {
        ADMINISTRATOR: dict.fromkeys(_CATALOG_MODELS, _ALL),
        HEAD_OF_SALES: dict.fromkeys(_CATALOG_MODELS, _ALL),
        REGIONAL_MANAGER: dict.fromkeys(_CATALOG_MODELS, _READ),
        SALES_MANAGER: dict.fromkeys(_CATALOG_MODELS, _READ),
        MARKETER: dict.fromkeys(_CATALOG_MODELS, _READ),
        APPROVER: dict.fromkeys(_CATALOG_MODELS, ("view", "add", "change")),
        ANALYST: dict.fromkeys(_CATALOG_MODELS, _READ),
    },
    # Everyone reads the dictionaries without a grant; administrators maintain them (admin
    # and the import wizard); the nightly ERP sync fills most of them.
    "refs": {ADMINISTRATOR: dict.fromkeys(_REFS_MODELS, _ALL)},
    # The sales ledger: lines are written by the sync, the cabinet and imports, never edited
    # by hand; the monthly sums are read-only; plans are set by sales management.
    "sales": {
        ADMINISTRATOR: {
            "dealersegment": ("view", "add", "change", "delete"),
            "salesline": ("view", "export", "import"),
            "plan": _ALL,
        }
        | dict.fromkeys(_SALES_SUMS, ("view",)),
        HEAD_OF_SALES: {
            "dealersegment": ("view", "add", "change", "delete"),
            "salesline": ("view", "export", "import"),
            "plan": _ALL,
        }
        | dict.fromkeys(_SALES_SUMS, ("view",)),
        REGIONAL_MANAGER: {
            "dealersegment": ("view", "add", "change", "delete"),
            "salesline": _READ,
            "plan": _ALL,
        }
        | dict.fromkeys(_SALES_SUMS, ("view",)),
        SALES_MANAGER: {"dealersegment": ("view",), "salesline": ("view",), "plan": ("view",)}
        | dict.fromkeys(_SALES_SUMS, ("view",)),
        MARKETER: {"dealersegment": ("view",), "salesline": ("view",), "plan": ("view",)}
        | dict.fromkeys(_SALES_SUMS, ("view",)),
        ANALYST: {"dealersegment": ("view",), "salesline": _READ, "plan": _READ}
        | dict.fromkeys(_SALES_SUMS, ("view",)),
        DEALER: {"salesline": ("view",), "plan": ("view",)} | dict.fromkeys(_SALES_SUMS, ("view",)),
        SUB_DEALER: {"salesline": ("view",)} | dict.fromkeys(_SALES_SUMS, ("view",)),
    },
    # Dealers' and sub-dealers' stock: they keep their own warehouses and balances (form and
    # XLSX upload); staff read the stock of their scope, heads and analysts also export it.
    "stock": {
        ADMINISTRATOR: {
            "dealerwarehouse": ("view", "add", "change", "delete"),
            "stockbalance": ("view", "export"),
        },
        HEAD_OF_SALES: {"dealerwarehouse": ("view",), "stockbalance": ("view", "export")},
        REGIONAL_MANAGER: {"dealerwarehouse": ("view",), "stockbalance": ("view", "export")},
        SALES_MANAGER: {"dealerwarehouse": ("view",), "stockbalance": ("view",)},
        MARKETER: {"dealerwarehouse": ("view",), "stockbalance": ("view",)},
        ANALYST: {"dealerwarehouse": ("view",), "stockbalance": ("view", "export")},
        DEALER: {
            "dealerwarehouse": ("view", "add", "change"),
            "stockbalance": ("view", "add", "change", "import"),
        },
        SUB_DEALER: {
            "dealerwarehouse": ("view", "add", "change"),
            "stockbalance": ("view", "add", "change", "import"),
        },
    },
    # Data stewards settle conflicts between sources; administrators may too.
    "approvals": {
        ADMINISTRATOR: {"conflict": ("resolve",), "changerequest": ("exchange",)},
        APPROVER: {"conflict": ("resolve",)},
        DATA_CONTRACTOR: {"changerequest": ("exchange",)},
    },
}
