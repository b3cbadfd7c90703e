"""Form helpers shared by every app: Bootstrap classes on widgets."""

from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def style_fields(form: forms.BaseForm) -> None:
    """Give every widget the Bootstrap class it needs; errors mark the field invalid."""
    # Read errors only if validation already ran: form.errors would run it too early.
    errors = form._errors or {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"  # RadioSelect: CheckboxSelectMultiple too, per option
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        # Styled again after validation: the classes once each, "is-invalid" as it is now.
        classes = [c for c in widget.attrs.get("class", "").split() if c != "is-invalid"]
        for wanted in (css, "is-invalid" if name in errors else ""):
            if wanted and wanted not in classes:
                classes.append(wanted)
        widget.attrs["class"] = " ".join(classes)


class LazyChoices:
    """Choices computed when a field is rendered: ``LazyChoices(owner_choices, user)``.

    A form deep-copies its fields, and with them a ``functools.partial``'s arguments: the
    request's user, its cached relations and all. This callable is shared instead, as a
    plain function would be.
    """

    __slots__ = ("args", "func")

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __call__(self):
        return self.func(*self.args)

    def __deepcopy__(self, memo):
        return self


def has_active_flag(model) -> bool:
    """Whether rows of ``model`` can be switched off (an ``is_active`` field): forms offer
    only active ones, imports give no record a switched-off one (``offer_active_only``,
    crm.core.imports.widgets.LookupWidget)."""
    return any(f.name == "is_active" for f in model._meta.concrete_fields)


def offer_active_only(form: forms.ModelForm) -> None:
    """Choices with an active flag (a dictionary's values, products, brands, staff) offer
    only the active ones, and whatever the record already has: a value switched off in the
    dictionary stays on the records that carry it, and saving them keeps it."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):  # the multiple one is one too
            continue
        if has_active_flag(field.queryset.model):
            field.queryset = active_or_current(field.queryset, form.instance, name)


def active_or_current(queryset, instance, name: str):
    """The active rows of ``queryset``, and the one(s) ``instance.<name>`` holds now."""
    condition = Q(is_active=True)
    if instance is not None and instance.pk is not None:
        if name in {f.name for f in instance._meta.many_to_many}:
            condition |= Q(pk__in=getattr(instance, name).values("pk"))
        elif getattr(instance, f"{name}_id", None) is not None:
            condition |= Q(pk=getattr(instance, f"{name}_id"))
    return queryset.filter(condition)


def offer_staff_only(form: forms.ModelForm, name: str) -> None:
    """A manager to assign: staff with a position (and, as for any choice, active), or the
    one the record has now, so that saving a form never unassigns a former employee."""
    field = form.fields.get(name)
    if field is None:
        return
    keep = Q(position__isnull=False)
    current = getattr(form.instance, f"{name}_id", None) if form.instance.pk else None
    if current is not None:
        keep |= Q(pk=current)
    field.queryset = field.queryset.filter(keep)


class StyledFormMixin:
    """Mixin for forms rendered with templates/includes/form_fields.html."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self)

    def full_clean(self):
        super().full_clean()
        style_fields(self)


class RecordForm(StyledFormMixin, forms.ModelForm):
    """A model form for a record edited through crm.core.records, carrying its version."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = getattr(self.instance, "version", None)
        offer_active_only(self)

    def changed_editable(self) -> list[str]:
        """Fields the user could edit on this form (disabled ones never reach the record)."""
        return [
            name
            for name, field in self.fields.items()
            if not field.disabled and name != "version" and name in self.cleaned_data
        ]


class BulkEditForm(StyledFormMixin, forms.ModelForm):
    """The same value for many records: an empty field means "leave as it is"."""

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        offer_active_only(self)

    def values_to_set(self) -> dict:
        return {
            name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])
        }

    def _post_clean(self):
        """No model validation: the values are validated on each record when applied."""


class OwnerReassignForm(BulkEditForm):
    """The new assigned manager for the selected records; subclasses name the model in Meta
    (``fields = ["owner"]``). Only active staff with a position are offered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        offer_staff_only(self, "owner")

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if owner is None:
            raise forms.ValidationError(_("Choose the manager to assign."))
        return owner


class FilterableCheckboxes(forms.CheckboxSelectMultiple):
    """Many choices as checkboxes in a scrolling box, with a field that narrows the list as
    one types and the number chosen (static/crm/js/crm.js); the chosen ones come first.

    Without ``search_url``, every choice is rendered: for a few hundred. With it, only the
    chosen ones are, and typing also asks the URL (``?q=…&name=…``, HTMX) for matching
    choices to tick (``core/widgets/search_options.html``): for thousands, where rendering
    them all would cost seconds and megabytes. The field's queryset still validates what is
    posted, so the search decides only what is offered.
    """

    template_name = "core/widgets/filterable_checkboxes.html"

    def __init__(self, attrs=None, choices=(), search_url=None):
        super().__init__(attrs, choices)
        self.search_url = search_url

    def optgroups(self, name, value, attrs=None):
        if self.search_url is None:
            groups = super().optgroups(name, value, attrs)
        else:
            groups = self._chosen_optgroups(name, value, attrs)
        return sorted(groups, key=lambda group: not any(o["selected"] for o in group[1]))

    def _chosen_optgroups(self, name, value, attrs):
        """Options for the chosen values only (a model choice field's queryset, narrowed)."""
        return optgroups_among(self, chosen_choices(self.choices, value), name, value, attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["chosen"] = len([item for item in value or () if item not in ("", None)])
        context["widget"]["search_url"] = self.search_url
        return context


def chosen_choices(choices, value) -> list:
    """The choices among ``choices`` whose values are in ``value`` (posted or initial): for a
    model choice field, one query for those rows only, never the whole queryset."""
    chosen = [str(item) for item in value or () if str(item).isdigit()]
    queryset = getattr(choices, "queryset", None)
    if queryset is None:
        return [choice for choice in choices if str(choice[0]) in chosen]
    if not chosen:
        return []
    return [choices.choice(obj) for obj in queryset.filter(pk__in=chosen)]


def optgroups_among(widget, choices, name, value, attrs):
    """Django's option groups of ``widget`` built from ``choices`` instead of its own."""
    every = widget.choices
    widget.choices = choices
    try:
        return forms.widgets.ChoiceWidget.optgroups(widget, name, value, attrs)
    finally:
        widget.choices = every


class SearchSelect(forms.Select):
    """One choice among thousands (a contact's organisation, an outlet's dealer): the page
    carries only the empty and the chosen option; typing asks ``search_url`` with ``query``
    and ``q=…`` (``crm.core.generic.ChoiceSearchView``) for matches, which the picker of
    static/crm/js/pickers.js (Tom Select) offers. An administrator's new-contact form listed
    300,000 organisations: 10.6 s and 17.8 MB. The field's queryset still validates what is
    posted, so the search decides only what is offered."""

    def __init__(self, attrs=None, search_url=None, query=None, placeholder=None):
        super().__init__(attrs)
        self.search_url, self.query, self.placeholder = search_url, query, placeholder

    def optgroups(self, name, value, attrs=None):
        empty = getattr(getattr(self.choices, "field", None), "empty_label", None)
        head = [] if empty is None else [("", empty)]
        choices = head + chosen_choices(self.choices, value)
        return optgroups_among(self, choices, name, value, attrs)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        url = str(self.search_url)
        extra = {"data-search-url": f"{url}?{urlencode(self.query)}" if self.query else url}
        if self.placeholder:
            extra["data-placeholder"] = str(self.placeholder)
        context["widget"]["attrs"] = {**context["widget"]["attrs"], **extra}
        return context
