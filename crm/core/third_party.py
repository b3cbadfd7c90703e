"""Our names for what third-party apps show in the admin, in both languages.

Some of those apps name their sections and models in English only (no gettext: django-otp's
devices, pghistory's events, the apps' labels); some pass their words through gettext but
their Russian catalogs lack them or mark them fuzzy, so Russian pages showed "Schedule" and
"Execution Options" on a periodic task. Names are set on the app configs and models when the
project starts (``CoreConfig.ready``). The options a model's migrations record come from its
``Meta`` as written, so this adds no migration to the third-party apps.
"""

from django.apps import apps
from django.utils.translation import get_language, gettext_noop, ngettext_lazy, pgettext
from django.utils.translation import gettext_lazy as _

# Words third-party code translates itself: listed here so that makemessages keeps them in our
# catalog, which Django consults before the apps' own (LOCALE_PATHS).
CATALOG_ONLY = (
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
)

# Django admin's sentences that put a model's name (nominative, any gender) into a phrase:
# its Russian catalog gives "Изменить организация", "Выберите периодическая задача для
# изменения", "организация «X» был успешно удален". Ours phrase them so that the name stands
# alone ("Изменение: организация", "объект типа «организация»"), correct for any model.
ADMIN_PHRASES = (
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add %(name)s"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Cannot delete %(name)s"),
    gettext_noop("Added {name} “{object}”."),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Deleted {name} “{object}”."),
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.",
        "%(count)s %(name)s were changed successfully.",
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would result in deleting "
        "related objects, but your account doesn't have permission to delete the "
        "following types of objects:"
    ),
    gettext_noop(
        "Deleting the %(object_name)s '%(escaped_object)s' would require deleting the "
        "following protected related objects:"
    ),
    gettext_noop(
        'Are you sure you want to delete the %(object_name)s "%(escaped_object)s"? '
        "All of the following related items will be deleted:"
    ),
)

APP_NAMES = {
    "axes": _("Sign-in protection"),
    "otp_static": _("Two-factor sign-in: backup codes"),
    "otp_totp": _("Two-factor sign-in: authenticator apps"),
    "pghistory": _("Change history"),
    "django_celery_beat": _("Periodic tasks"),
}

MODEL_NAMES = {
    ("otp_static", "staticdevice"): (_("backup code set"), _("backup code sets")),
    ("otp_totp", "totpdevice"): (_("authenticator app"), _("authenticator apps")),
    ("pghistory", "events"): (_("change event"), _("change events")),
    ("django_celery_beat", "crontabschedule"): (
        _("schedule by the clock (crontab)"),
        _("schedules by the clock (crontab)"),
    ),
}

# Fields and admin columns third-party models label in English only (no gettext).
FIELD_NAMES = {
    ("django_celery_beat", "periodictask", "task"): _("Task (code)"),
    ("django_celery_beat", "periodictask", "crontab"): _("Schedule by the clock"),
    ("django_celery_beat", "periodictask", "exchange"): _("Exchange"),
    ("django_celery_beat", "periodictask", "expire_seconds"): _("Expires in (seconds)"),
}
COLUMN_NAMES = {
    ("django_celery_beat", "periodictask", "scheduler"): _("Schedule"),
    ("django_celery_beat", "crontabschedule", "human_readable"): _("In words"),
}


def _weekday(number: int) -> str:
    """A crontab day (0 = Sunday) as the schedule's description uses it: after "only on"
    ("только в среду"), so Russian takes the accusative."""
    names = (
        pgettext("only on (weekday)", "Sunday"),
        pgettext("only on (weekday)", "Monday"),
        pgettext("only on (weekday)", "Tuesday"),
        pgettext("only on (weekday)", "Wednesday"),
        pgettext("only on (weekday)", "Thursday"),
        pgettext("only on (weekday)", "Friday"),
        pgettext("only on (weekday)", "Saturday"),
    )
    return names[number]


def _crontab_words(expression, options=None):
    """cron_descriptor's ``get_description`` in the language of the request (it takes the
    process's locale, and its day names from the C library's: "только в Monday"). The
    caller's ``options`` (celery-beat passes none) give way to ours."""
    from cron_descriptor import ExpressionDescriptor, Options

    ours = Options()
    ours.locale_code = "ru_RU" if (get_language() or "").startswith("ru") else "en_US"
    ours.use_24hour_time_format = True
    words = ExpressionDescriptor(expression, ours).get_description()
    if ours.locale_code == "ru_RU":
        # Its Russian list of days keeps the English serial comma: "среду, четверг, и пятницу".
        words = words.replace(", и ", " и ")
    return words


def describe_crontabs_in_our_languages() -> None:
    """django-celery-beat's "human readable" crontab (its admin lists and forms) in the
    request's language, with 24-hour times as Russian and the project's other pages write."""
    try:
        from cron_descriptor import ExpressionDescriptor
        from django_celery_beat import models as beat_models
    except ImportError:  # pragma: no cover - both are required packages
        return
    ExpressionDescriptor.number_to_day = staticmethod(_weekday)
    beat_models.get_description = _crontab_words


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
    for (label, model_name, field_name), name in FIELD_NAMES.items():
        try:
            apps.get_model(label, model_name)._meta.get_field(field_name).verbose_name = name
        except LookupError:
            continue
    for (label, model_name, attribute), name in COLUMN_NAMES.items():
        try:
            getattr(apps.get_model(label, model_name), attribute).fget.short_description = name
        except (LookupError, AttributeError):
            continue
