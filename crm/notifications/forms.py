"""The notification preferences form: one delivery choice per event type."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin
from crm.notifications import events
from crm.notifications.models import Delivery


class PreferencesForm(StyledFormMixin, forms.Form):
    digest_enabled = forms.BooleanField(
        label=_("Daily digest"),
        required=False,
        help_text=_("Collect e-mail notifications into one letter a day instead of one each."),
    )

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for event in events.all_event_types():
            self.fields[self.field_name(event.key)] = forms.ChoiceField(
                label=event.label,
                choices=Delivery.choices,
                initial=current.get(event.key, event.default_delivery),
            )
        from crm.core.forms import style_fields

        style_fields(self)

    @staticmethod
    def field_name(key: str) -> str:
        return "event__" + key.replace(".", "__")

    def deliveries(self) -> dict[str, str]:
        return {
            event.key: self.cleaned_data[self.field_name(event.key)]
            for event in events.all_event_types()
        }
