"""Filters of the organisation, contact and interaction lists."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.clients.models import (
    Contact,
    CounterpartyType,
    Interaction,
    InteractionKind,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from crm.clients.selectors import dictionary_choices, owner_choices
from crm.core.filters import FilterSet, YesNoAll
from crm.core.forms import LazyChoices


class ArchiveFilter(django_filters.ChoiceFilter):
    """Archived records stay out of lists unless asked for."""

    def __init__(self, **kwargs):
        super().__init__(
            field_name="is_archived",
            label=_("Archived records"),
            choices=[("only", _("Only archived")), ("all", _("Working and archived"))],
            empty_label=_("Working only"),
            null_label=None,
            **kwargs,
        )

    def filter(self, qs, value):
        if value == "only":
            return qs.filter(is_archived=True)
        if value == "all":
            return qs
        return qs.filter(is_archived=False)


class OrganisationFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(choices=OrganisationStatus.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices, label=_("Kind"))
    counterparty_type = django_filters.ChoiceFilter(
        choices=CounterpartyType.choices, label=_("Counterparty type")
    )
    region = django_filters.ChoiceFilter(field_name="region_id", label=_("Region"))
    client_type = django_filters.ChoiceFilter(field_name="client_type_id", label=_("Client type"))
    category = django_filters.ChoiceFilter(field_name="category_id", label=_("Client category"))
    owner = django_filters.ChoiceFilter(field_name="owner_id", label=_("Manager"))
    archived = ArchiveFilter()

    class Meta:
        model = Organisation
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Callables: the form field reads them when rendered, and deep copies skip them.
        self.filters["region"].extra["choices"] = LazyChoices(dictionary_choices, "refs.Region")
        self.filters["client_type"].extra["choices"] = LazyChoices(
            dictionary_choices, "refs.ClientType"
        )
        self.filters["category"].extra["choices"] = LazyChoices(
            dictionary_choices, "refs.ClientCategory"
        )
        user = request.user if request is not None else None
        self.filters["owner"].extra["choices"] = LazyChoices(owner_choices, user)


class ContactFilterSet(FilterSet):
    mailing_consent = django_filters.BooleanFilter(label=_("Agrees to mailings"), widget=YesNoAll)
    region = django_filters.ChoiceFilter(field_name="region_id", label=_("Region"))
    archived = ArchiveFilter()

    class Meta:
        model = Contact
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["region"].extra["choices"] = LazyChoices(dictionary_choices, "refs.Region")


class InteractionFilterSet(FilterSet):
    """Interactions by kind, by author ("mine": the home page's next steps link here) and by
    the state of their next step."""

    kind = django_filters.ChoiceFilter(choices=InteractionKind.choices, label=_("Kind"))
    author = django_filters.ChoiceFilter(
        field_name="author",
        label=_("Author"),
        choices=[("me", _("Me"))],
        empty_label=_("Anyone"),
        method="filter_author",
    )
    next_step = django_filters.ChoiceFilter(
        field_name="next_step_date",
        label=_("Next step"),
        choices=[
            ("overdue", _("Overdue")),
            ("today", _("Due today")),
            ("upcoming", _("Upcoming")),
            ("open", _("Open (any date)")),
            ("done", _("Completed")),
        ],
        method="filter_next_step",
    )

    class Meta:
        model = Interaction
        fields = []

    def filter_author(self, queryset, name, value):
        if value == "me" and self.request is not None:
            return queryset.filter(author=self.request.user)
        return queryset

    def filter_next_step(self, queryset, name, value):
        if value == "done":
            return queryset.filter(next_step_done=True).exclude(next_step="")
        today = timezone.localdate()
        open_steps = queryset.filter(next_step_done=False, next_step_date__isnull=False)
        if value == "overdue":
            return open_steps.filter(next_step_date__lt=today)
        if value == "today":
            return open_steps.filter(next_step_date=today)
        if value == "upcoming":
            return open_steps.filter(next_step_date__gt=today)
        return open_steps
