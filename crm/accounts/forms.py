"""Forms of the login, second-factor and profile pages."""

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import TIME_ZONE_CHOICES, User
from crm.core.forms import StyledFormMixin


class LoginForm(StyledFormMixin, AuthenticationForm):
    """Username and password; django-axes counts the failures."""

    error_messages = {
        "invalid_login": _(
            "Wrong username or password. Both are case-sensitive; after 5 failed attempts "
            "the account is locked for 15 minutes."
        ),
        "inactive": _("This account is disabled. Ask your administrator."),
    }


class TokenForm(StyledFormMixin, forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.CharField(
        label=_("Code from the authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("The code consists of six digits."))
        return token


# Russia's eleven time zones first, by the city people know them by.
RUSSIAN_TIME_ZONES = [
    ("Europe/Kaliningrad", _("Kaliningrad (UTC+2)")),
    ("Europe/Moscow", _("Moscow (UTC+3)")),
    ("Europe/Samara", _("Samara (UTC+4)")),
    ("Asia/Yekaterinburg", _("Yekaterinburg (UTC+5)")),
    ("Asia/Omsk", _("Omsk (UTC+6)")),
    ("Asia/Novosibirsk", _("Novosibirsk (UTC+7)")),
    ("Asia/Krasnoyarsk", _("Krasnoyarsk (UTC+7)")),
    ("Asia/Irkutsk", _("Irkutsk (UTC+8)")),
    ("Asia/Yakutsk", _("Yakutsk (UTC+9)")),
    ("Asia/Vladivostok", _("Vladivostok (UTC+10)")),
    ("Asia/Magadan", _("Magadan (UTC+11)")),
    ("Asia/Kamchatka", _("Kamchatka (UTC+12)")),
]


def time_zone_choices():
    russian = {name for name, _label in RUSSIAN_TIME_ZONES}
    others = [(name, name) for name, _label in TIME_ZONE_CHOICES if name not in russian]
    return [(_("Russia"), RUSSIAN_TIME_ZONES), (_("Other time zones"), others)]


class ProfileForm(StyledFormMixin, forms.ModelForm):
    """The preferences a user sets for themselves."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["language", "time_zone", "notification_email", "digest_enabled"]

    def clean_time_zone(self):
        name = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(_("Unknown time zone.")) from exc
        return name

    def clean_language(self):
        code = self.cleaned_data["language"]
        if code not in dict(settings.LANGUAGES):
            raise forms.ValidationError(_("Unknown language."))
        return code


class PasswordResetForm(StyledFormMixin, auth_forms.PasswordResetForm):
    """Sends the reset letter in the account owner's language, not the requester's."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class SetPasswordForm(StyledFormMixin, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(StyledFormMixin, auth_forms.PasswordChangeForm):
    pass
