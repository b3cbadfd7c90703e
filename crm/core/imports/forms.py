"""Forms of the import wizard: the upload and the column mapping."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin


class UploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Windows-1251, separated by ; or ,) or XLSX; the first row holds the "
            "column names. Up to 100,000 rows and 20 MB."
        ),
    )
    mapping = forms.TypedChoiceField(
        label=_("Saved mapping"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, mappings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mapping"].choices = [("", _("Match columns by their names"))] + [
            (m.pk, m.name) for m in mappings
        ]
        if not mappings:
            del self.fields["mapping"]


class MappingForm(StyledFormMixin, forms.Form):
    """One select per column of the file: which field it goes into (or skip it)."""

    save_as = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=_("Give it a name to reuse it for the next file of this kind."),
    )

    def __init__(self, *args, headers=(), choices=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        options = [("", _("— do not import —")), *choices]
        self.columns = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(number)s") % {"number": index + 1},
                choices=options,
                required=False,
                initial=(initial_mapping or {}).get(str(index), ""),
            )
            self.columns.append(name)
        self.order_fields([*self.columns, "save_as"])
        from crm.core.forms import style_fields

        style_fields(self)

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("col_"): self.cleaned_data.get(name, "")
            for name in self.columns
            if self.cleaned_data.get(name)
        }

    def column_fields(self):
        return [self[name] for name in self.columns]
