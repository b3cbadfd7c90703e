"""Our names for what third-party apps show in the admin, in both languages.

Some of those apps name their sections and models in English only (no gettext: django-otp's
devices, pghistory's events, the apps' labels); some pass their words through gettext but
their Russian catalogs lack them or mark them fuzzy, so Russian pages showed "Schedule" and
"Execution Options" on a periodic task. Names are set on the app configs and models when the
project starts (``CoreConfig.ready``). The options a model's migrations record come from its
``Meta`` as written, so this adds no migration to the third-party apps.
"""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Words third-party code translates itself: listed here so that makemessages keeps them in our
# catalog, which Django consults before the apps' own (LOCALE_PATHS).
CATALOG_ONLY = (
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
)

APP_NAMES = {
    "axes": _("Sign-in protection"),
    "otp_static": _("Two-factor sign-in: backup codes"),
    "otp_totp": _("Two-factor sign-in: authenticator apps"),
    "pghistory": _("Change history"),
}

MODEL_NAMES = {
    ("otp_static", "staticdevice"): (_("backup code set"), _("backup code sets")),
    ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
    ("pghistory", "events"): (_("change event"), _("change events")),
}


def name_in_our_languages() -> None:
    for label, name in APP_NAMES.items():
        try:
            apps.get_app_config(label).verbose_name = name
        except LookupError:
            continue
    for (label, model_name), (one, many) in MODEL_NAMES.items():
        try:
            meta = apps.get_model(label, model_name)._meta
        except LookupError:
            continue
        meta.verbose_name, meta.verbose_name_plural = one, many
