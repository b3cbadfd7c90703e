"""The base of import resources: django-import-export declarations with our widgets.

A resource lists the importable fields; each model field gets the widget that reads it the
Russian way (``widgets.py``). ``import_data`` through the library is all-or-nothing too
(transactions and ``rollback_on_validation_errors`` are forced on); the wizard's bulk engine
reads the same declarations (docs/adr/0007-imports.md).
"""

from django.db import models
from import_export import resources

from crm.core.imports import widgets


class SpecResource(resources.ModelResource):
    """A ModelResource whose widgets come from crm.core.imports.widgets."""

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.TextWidget):
        if f.choices:
            return widgets.ChoiceWidget
        if isinstance(f, models.BooleanField):
            return widgets.BooleanWidget
        if isinstance(f, models.DecimalField | models.FloatField):
            return widgets.DecimalWidget
        if isinstance(f, models.IntegerField):
            return widgets.IntegerWidget
        if isinstance(f, models.DateTimeField):
            return widgets.DateTimeWidget
        if isinstance(f, models.DateField):
            return widgets.DateWidget
        return widgets.TextWidget

    @classmethod
    def widget_kwargs_for_field(cls, field_name, django_field):
        kwargs = dict((cls._meta.widgets or {}).get(field_name, {}))
        if django_field.choices:
            kwargs.setdefault("choices", django_field.choices)
        elif isinstance(django_field, models.DecimalField):
            kwargs.setdefault("max_digits", django_field.max_digits)
            kwargs.setdefault("decimal_places", django_field.decimal_places)
        elif isinstance(django_field, models.CharField | models.TextField):
            kwargs.setdefault("max_length", django_field.max_length)
        return kwargs

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs):
        """All or nothing, whoever calls it."""
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, **kwargs)
