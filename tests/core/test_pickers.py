"""Pickers (crm.core.forms.SearchSelect and crm.core.generic.ChoiceSearchView): a form carries
only the chosen option, the server offers the rest as one types, in the form's own scope."""

import re

import pytest
from django.urls import reverse

from crm.clients.forms import BankAccountForm, ContactForm, OrganisationForm
from crm.clients.models import Organisation
from crm.core.templatetags.crm_forms import fast_field
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(make_user):
    return make_user(username="anna", role="sales_manager")


@pytest.fixture
def many(anna):
    """25 organisations of Анна's, named so that their order by name is known."""
    return [
        Organisation.objects.create(name=f"Клиент {n:02d}", owner=anna, inn="") for n in range(25)
    ]


def options(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html)


def test_a_new_contact_form_carries_no_organisation_but_the_empty_choice(anna, many):
    field = ContactForm(user=anna)["organisation"]
    html = fast_field(field)
    assert options(html) == [("", "---------")]
    assert 'data-search-url="/clients/organisations/choices/"' in html
    assert "required" in html


def test_the_chosen_organisation_is_the_one_option_fresh_posted_or_refused(anna, many):
    chosen = many[7]
    initial = ContactForm(user=anna, initial={"organisation": chosen.pk})["organisation"]
    assert options(fast_field(initial))[1:] == [(str(chosen.pk), "Клиент 07")]
    posted = ContactForm({"organisation": str(many[3].pk)}, user=anna)
    assert options(fast_field(posted["organisation"]))[1:] == [(str(many[3].pk), "Клиент 03")]
    # A value that is no id, or an organisation outside the form's choices, is not offered.
    stranger = Organisation.objects.create(name="Чужая")
    for value in ("abc", "", str(stranger.pk)):
        form = ContactForm({"organisation": value}, user=anna)
        assert options(fast_field(form["organisation"]))[1:] == [], value
        assert not form.is_valid()
        assert "organisation" in form.errors


def test_the_dealer_pickers_ask_for_their_kinds(anna):
    parent = fast_field(OrganisationForm(user=anna)["parent_dealer"])
    assert 'data-search-url="/clients/dealers/choices/?kind=dealer"' in parent
    assert "data-placeholder=" in parent
    account = fast_field(BankAccountForm(user=anna)["organisation"])
    assert 'data-search-url="/clients/organisations/choices/"' in account


def test_the_search_answers_the_first_twenty_by_name_and_says_there_are_more(client, anna, many):
    client.force_login(anna)
    answer = client.get(reverse("clients:organisation_choices")).json()
    assert [row["text"] for row in answer["results"]] == [f"Клиент {n:02d}" for n in range(20)]
    assert answer["more"] is True
    narrowed = client.get(reverse("clients:organisation_choices"), {"q": "клиент 2"}).json()
    assert [row["text"] for row in narrowed["results"]] == [f"Клиент {n}" for n in range(20, 25)]
    assert narrowed["more"] is False


def test_the_detail_tells_namesakes_apart_by_inn_and_region(client, anna):
    moscow, kazan = RegionFactory(name="Москва"), RegionFactory(name="Татарстан")
    Organisation.objects.create(name="Ромашка", owner=anna, inn="7707083893", region=moscow)
    Organisation.objects.create(name="Ромашка", owner=anna, inn="", region=kazan)
    client.force_login(anna)
    answer = client.get(reverse("clients:organisation_choices"), {"q": "ромашка"}).json()
    assert sorted(row["detail"] for row in answer["results"]) == [
        "ИНН 7707083893 · Москва",
        "Татарстан",
    ]


def test_typed_text_is_trimmed_and_a_long_one_finds_nothing_without_an_error(client, anna, many):
    client.force_login(anna)
    url = reverse("clients:organisation_choices")
    spaced = client.get(url, {"q": "  клиент   07 "}).json()["results"]
    assert [row["text"] for row in spaced] == ["Клиент 07"]
    long = client.get(url, {"q": "я" * 5000})
    assert long.status_code == 200
    assert long.json() == {"results": [], "more": False}


def test_an_archived_organisation_is_not_offered_but_stays_on_its_contacts(client, anna):
    archived = Organisation.objects.create(name="Закрытая", owner=anna, is_archived=True)
    client.force_login(anna)
    found = client.get(reverse("clients:organisation_choices"), {"q": "Закрытая"}).json()
    assert found["results"] == []
    form = ContactForm({"organisation": archived.pk, "last_name": "Старый"}, user=anna)
    assert form.is_valid(), form.errors
    assert options(fast_field(form["organisation"]))[1:] == [(str(archived.pk), "Закрытая")]
