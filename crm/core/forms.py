"""Form helpers shared by every app: Bootstrap classes on widgets."""

from django import forms


def style_fields(form: forms.BaseForm) -> None:
    """Give every widget the Bootstrap class it needs; errors mark the field invalid."""
    # Read errors only if validation already ran: form.errors would run it too early.
    errors = form._errors or {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if name in errors:
            css += " is-invalid"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledFormMixin:
    """Mixin for forms rendered with templates/includes/form_fields.html."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def full_clean(self):
        super().full_clean()
        style_fields(self)
