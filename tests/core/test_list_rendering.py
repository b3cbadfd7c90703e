"""The list page's shortcuts give what Django's own machinery gives: filter selects, choice
labels in table cells, the row estimate and the menu links."""

import copy

import django_filters
import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from crm.clients.models import Contact, Organisation, OrganisationStatus
from crm.core.forms import LazyChoices, style_fields
from crm.core.generic.base import estimated_count
from crm.core.navigation import menu_for, menu_html
from crm.core.tables import Column
from crm.core.templatetags.crm_forms import fast_field


def _select(choices, data=None, **options):
    """The bound select of a one-filter FilterSet whose choices are ``choices``."""

    class Filters(django_filters.FilterSet):
        size = django_filters.ChoiceFilter(field_name="name", label="Size", **options)

        class Meta:
            model = Organisation
            fields = []

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.filters["size"].extra["choices"] = choices

    return Filters(data or {}, queryset=Organisation.objects.none()).form["size"]


def _options(html: str) -> list[str]:
    return html.split("<option ")[1:]


def test_a_list_of_pairs_renders_every_option_escaped_with_the_current_one_selected():
    pairs = [(1, "Small"), (2, "Big <b>&"), (3, "Huge")]
    html = fast_field(_select(LazyChoices(list, pairs), {"size": "2"}))
    assert html.startswith('<select name="size" class="form-select" id="id_size">')
    assert _options(html)[0].startswith('value="">')  # the "all" choice
    assert _options(html)[1:] == [
        'value="1">Small</option>',
        'value="2" selected>Big &lt;b&gt;&amp;</option>',
        'value="3">Huge</option></select>',
    ]


def test_new_choices_show_up_and_lazy_labels_follow_the_language():
    choices = [("a", _("Active")), ("p", _("Potential"))]
    with translation.override("en"):
        english = fast_field(_select(choices))
    with translation.override("ru"):
        russian = fast_field(_select(choices))
    assert ">Active<" in english
    assert ">Активный<" in russian
    grown = fast_field(_select(LazyChoices(list, [(1, "One"), (2, "Two")])))
    assert ">Two<" in grown
    assert ">Three<" not in grown
    grown = fast_field(_select(LazyChoices(list, [(1, "One"), (2, "Two"), (3, "Three")])))
    assert ">Three<" in grown


def test_choices_in_other_shapes_render_as_django_normalises_them():
    as_lists = fast_field(_select([["x", "Ex"], ["y", "Why"]], {"size": "y"}))
    assert _options(as_lists)[1:] == [
        'value="x">Ex</option>',
        'value="y" selected>Why</option></select>',
    ]
    from_a_generator = fast_field(_select(lambda: ((n, f"N{n}") for n in range(2))))
    assert _options(from_a_generator)[1:] == [
        'value="0">N0</option>',
        'value="1">N1</option></select>',
    ]


def test_lazy_choices_are_shared_by_a_deep_copy_and_call_their_function_when_read(sales_manager):
    calls = []

    def owners(user):
        calls.append(user)
        return [(user.pk, str(user))]

    lazy = LazyChoices(owners, sales_manager)
    assert copy.deepcopy(lazy) is lazy
    assert calls == []
    html = fast_field(_select(lazy))
    assert f'value="{sales_manager.pk}"' in html
    assert calls == [sales_manager]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_choice_column_shows_what_get_display_shows(language):
    column = Column("status")
    with translation.override(language):
        for value in OrganisationStatus.values:
            organisation = Organisation(name="Ромашка", status=value)
            assert column.value(organisation) == organisation.get_status_display()
        unknown = Organisation(name="Ромашка", status="gone")
        assert column.value(unknown) == unknown.get_status_display() == "gone"
    assert Column("name").value(Organisation(name="Ромашка")) == "Ромашка"


@pytest.mark.django_db
def test_the_row_estimate_is_asked_once_per_statement(django_assert_num_queries):
    cache.clear()
    for n in range(3):
        Organisation.objects.create(name=f"Ромашка {n}")
    everything = Organisation.objects.all()
    with django_assert_num_queries(1):
        first = estimated_count(everything)
    with django_assert_num_queries(0):
        assert estimated_count(everything) == first
    with django_assert_num_queries(1):
        estimated_count(everything.filter(status=OrganisationStatus.ACTIVE))


@pytest.mark.django_db
def test_menu_links_are_the_reversed_urls(admin_user):
    groups = menu_for(admin_user)
    links = [link["url"] for group in groups for link in group["links"]]
    assert reverse("clients:organisation_list") in links
    assert reverse("admin:index") in links
    assert menu_for(admin_user) == groups
    html = menu_html(admin_user)
    for group in groups:
        assert f">{group['label']}</a>" in html
        for link in group["links"]:
            assert f'href="{link["url"]}">{link["label"]}</a>' in html


@pytest.mark.django_db
def test_the_menu_follows_the_permissions_and_the_language(make_user):
    manager = make_user(username="anna", role="sales_manager")
    dealer = make_user(username="dealer", role="dealer")
    with translation.override("ru"):
        staff_menu = menu_html(manager)
        assert reverse("clients:organisation_list") in staff_menu
        assert ">Организации</a>" in staff_menu
        assert reverse("clients:organisation_list") not in menu_html(dealer)
    with translation.override("en"):
        assert ">Organisations</a>" in menu_html(manager)


@pytest.mark.django_db
def test_the_column_chooser_lists_every_visible_column_with_the_shown_ones_checked(make_user):
    from crm.clients.tables import OrganisationTable

    manager = make_user(username="anna", role="sales_manager")
    table = OrganisationTable(manager, ["inn", "name"])
    html = str(table.chooser_html())
    for name, label, shown in table.choices():
        checked = " checked" if shown else ""
        assert (
            f'name="columns" value="{name}" id="col-{name}"{checked}>'
            f'<label class="form-check-label" for="col-{name}">{label}</label>'
        ) in html
    assert html.count('type="checkbox"') == len(table.choices())
    assert {name for name, _label, shown in table.choices() if shown} == {"inn", "name"}


def test_remembered_values_are_the_same_object_until_they_expire(monkeypatch):
    from crm.core import memo

    memo.forget_all()
    built = []

    def build():
        built.append(1)
        return ((1, "One"),)

    first = memo.remembered("choices:test", 60, build)
    assert memo.remembered("choices:test", 60, build) is first
    assert len(built) == 1
    now = memo.time.monotonic()
    monkeypatch.setattr(memo.time, "monotonic", lambda: now + 61)
    assert memo.remembered("choices:test", 60, build) == first
    assert len(built) == 2
    memo.forget_all()
    memo.remembered("choices:test", 60, build)
    assert len(built) == 3


def test_a_remembered_choice_tuple_renders_once_and_a_new_one_renders_anew():
    pairs = ((1, "Small"), (2, "Big"))
    first = fast_field(_select(LazyChoices(lambda: pairs)))
    again = fast_field(_select(LazyChoices(lambda: pairs), {"size": "2"}))
    assert first.replace(" selected", "") == again.replace(" selected", "")
    assert 'value="2" selected>Big<' in again
    grown = fast_field(_select(LazyChoices(lambda: (*pairs, (3, "Huge")))))
    assert ">Huge<" in grown
    assert ">Huge<" not in fast_field(_select(LazyChoices(lambda: pairs)))


def _django_select(bound_field) -> str:
    """Django's own rendering, the whitespace between tags removed."""
    import re

    return re.sub(r">\s+<", "><", bound_field.as_widget()).strip()


@pytest.mark.django_db
def test_an_edit_forms_selects_render_as_django_renders_them(make_user):
    """Every select of the organisation form, fresh, bound with errors and read-only: the
    fast rendering is Django's, attribute for attribute."""
    from crm.clients.forms import OrganisationForm
    from tests.factories import RegionFactory

    manager = make_user(username="seller", role="sales_manager")
    region = RegionFactory()
    dealer = Organisation.objects.create(name="Дилер <Юг>", kind="dealer", region=region)
    record = Organisation.objects.create(
        name="Клиент", region=region, owner=manager, parent_dealer=dealer
    )
    forms = [
        OrganisationForm(instance=record, user=manager),
        OrganisationForm({"name": "", "status": "nonsense"}, instance=record, user=manager),
    ]
    forms[0].fields["region"].disabled = True
    forms[0].fields["status"].help_text = "Жизненный цикл"
    compared = 0
    for form in forms:
        for bound in form.visible_fields():
            if type(bound.field.widget).__name__ != "Select":
                continue
            assert fast_field(bound) == _django_select(bound), bound.name
            compared += 1
    assert compared >= 16


@pytest.mark.django_db
def test_every_field_of_the_edit_forms_renders_as_django_renders_it(make_user):
    """Inputs, text areas, check boxes and selects of the organisation, contact and outlet
    forms, fresh, bound with errors (odd values included) and read-only: the fast rendering
    is Django's, attribute for attribute."""
    import re

    from crm.clients.forms import ContactForm, OrganisationForm
    from crm.outlets.forms import OutletForm
    from crm.outlets.models import Outlet
    from tests.factories import RegionFactory

    manager = make_user(username="seller", role="sales_manager")
    region = RegionFactory()
    org = Organisation.objects.create(
        name='Клиент "<Юг>" & Co',
        region=region,
        owner=manager,
        notes="\nпервая строка\n<b>вторая</b>",
        website="https://example.org/?a=1&b=2",
        phone="+74951234567",
    )
    outlet = Outlet.objects.create(dealer=org, name="Точка", owner=manager, latitude=55.75)
    bad = {"name": "", "inn": "12<3", "email": "не адрес", "area_sqm": "1 234,5", "last_name": ""}
    forms = [
        OrganisationForm(instance=org, user=manager),
        OrganisationForm(bad, instance=org, user=manager),
        ContactForm(user=manager, initial={"organisation": org.pk}),
        ContactForm({**bad, "mailing_consent": "on"}, user=manager),
        OutletForm(instance=outlet, user=manager),
        OutletForm(bad, instance=outlet, user=manager),
    ]
    forms[0].fields["inn"].disabled = True
    forms[0].fields["notes"].disabled = True
    forms[4].fields["phone"].help_text = "Как на вывеске"
    widgets = set()
    for form in forms:
        form.is_bound and form.is_valid()
        for bound in form.visible_fields():
            kind = type(bound.field.widget).__name__
            # Between a select's options Django writes new lines; an input's and text area's
            # text is compared as it is (a text area's first new line included).
            fast, django = str(fast_field(bound)).strip(), bound.as_widget().strip()
            if "Select" in kind:
                fast, django = (re.sub(r">\s+<", "><", html) for html in (fast, django))
            assert fast == django, (type(form).__name__, bound.name)
            widgets.add(kind)
    assert {"TextInput", "Textarea", "CheckboxInput", "EmailInput", "URLInput"} <= widgets
    assert {"NumberInput", "Select", "SearchSelect", "SelectMultiple"} <= widgets


def test_the_fast_inputs_are_djangos_templates_that_only_include_input_html():
    """Each template fast_field writes as input.html is, in this Django, that include alone."""
    from django.forms.renderers import get_default_renderer

    from crm.core.templatetags.crm_forms import _INPUT_TEMPLATES

    renderer = get_default_renderer()
    for name in _INPUT_TEMPLATES - {"django/forms/widgets/input.html"}:
        source = renderer.get_template(name).template.source.strip()
        assert source == '{% include "django/forms/widgets/input.html" %}', name


@pytest.mark.parametrize(
    "widget",
    [
        "HiddenInput",
        "PasswordInput",
        "DateTimeInput",
        "TimeInput",
        "URLInput",
        "EmailInput",
        "NumberInput",
        "CheckboxInput",
        "FileInput",
    ],
)
def test_a_plain_form_field_renders_as_django_renders_it(widget):
    from django import forms

    class One(forms.Form):
        value = forms.CharField(widget=getattr(forms, widget)(attrs={"data-x": 'a"b'}))

    for form in (One(), One({"value": '1 <2> & "3"'}), One({"value": ""})):
        form.is_valid()
        assert str(fast_field(form["value"])).strip() == form["value"].as_widget().strip()


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_yes_no_filter_renders_as_django_renders_it(language):
    """The contact list's "agrees to mailings" filter (a NullBooleanSelect whose unset choice
    reads "All", as the other filters'): unset, yes, no and an odd value, in both languages."""
    from crm.clients.filtersets import ContactFilterSet

    with translation.override(language):
        for value in (None, "true", "false", "maybe"):
            data = {} if value is None else {"mailing_consent": value}
            filterset = ContactFilterSet(data, queryset=Contact.objects.none())
            style_fields(filterset.form)  # as the list view does
            filterset.is_valid()
            bound = filterset.form["mailing_consent"]
            assert type(bound.field.widget).__name__ == "YesNoAll"
            assert str(fast_field(bound)) == _django_select(bound), value
            unset = (
                _("All")
                if value in (None, "maybe")
                else {"true": _("Yes"), "false": _("No")}[value]
            )
            assert f"selected>{unset}</option>" in str(fast_field(bound))
