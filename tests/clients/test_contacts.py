"""Contacts: phones in any notation are stored E.164; consent changes are stamped."""

import pytest
from django.urls import reverse

from crm.clients.models import Contact, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(make_user):
    return make_user(username="anna", role="sales_manager")


@pytest.fixture
def own_organisation(anna):
    return Organisation.objects.create(name="Ромашка-Авто", owner=anna)


def contact_form(organisation, **changes):
    data = {
        "organisation": organisation.pk,
        "last_name": "Иванова",
        "first_name": "Мария",
        "phone": "8 (495) 123-45-67",
        "phone_ext": "12",
        "mobile": "8 916 123 45 67",
        "email": "m.ivanova@romashka.example",
    }
    return {**data, **changes}


def test_a_new_contact_with_consent_stores_e164_phones_and_the_consent_time(
    client, anna, own_organisation
):
    client.force_login(anna)
    response = client.post(
        reverse("clients:contact_create"), contact_form(own_organisation, mailing_consent="on")
    )
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert (contact.phone, contact.phone_ext, contact.mobile) == (
        "+74951234567",
        "12",
        "+79161234567",
    )
    assert contact.consent_changed_at is not None


def test_withdrawing_consent_is_stamped_and_a_bad_phone_is_refused(client, anna, own_organisation):
    contact = Contact.objects.create(
        organisation=own_organisation, last_name="Иванова", mailing_consent=True
    )
    client.force_login(anna)
    url = reverse("clients:contact_edit", args=[contact.pk])
    bad = client.post(url, {**contact_form(own_organisation, phone="12"), "version": 1})
    assert bad.status_code == 200
    assert "например" in bad.content.decode()
    client.post(url, {**contact_form(own_organisation), "version": 1})
    contact.refresh_from_db()
    assert contact.mailing_consent is False
    assert contact.consent_changed_at is not None


def test_the_manager_filter_offers_only_the_users_own_people(client, make_user):
    """A sales manager filters by the managers of their own unit and team, not the company's."""
    from tests.factories import OrgUnitFactory, PositionFactory

    office, elsewhere = OrgUnitFactory(), OrgUnitFactory()
    me = make_user(username="me", role="sales_manager", position=PositionFactory(org_unit=office))
    colleague = make_user(username="colleague", position=PositionFactory(org_unit=office))
    stranger = make_user(username="stranger", position=PositionFactory(org_unit=elsewhere))
    client.force_login(me)
    page = client.get(reverse("clients:organisation_list")).content.decode()
    owners = page.split('name="owner"', 1)[1].split("</select>", 1)[0]
    assert f'value="{colleague.pk}"' in owners
    assert f'value="{stranger.pk}"' not in owners


def test_name_search_matches_the_beginning_of_last_and_first_names(client, anna, own_organisation):
    for last, first in [
        ("Иванов", "Пётр"),
        ("Иванова", "Мария"),
        ("Иванов", "Сергей"),
        ("Ливанов", "Пётр"),
        ("Петров", "Иван"),
    ]:
        Contact.objects.create(organisation=own_organisation, last_name=last, first_name=first)
    client.force_login(anna)
    url = reverse("clients:contact_list")

    def found(text):
        page = client.get(url, {"q": text}).content.decode()
        names = ["Иванов Пётр", "Иванова Мария", "Иванов Сергей", "Ливанов Пётр", "Петров Иван"]
        return sorted((page.index(name), name) for name in names if name in page)

    # Any case, sorted by last then first name; "Ливанов" does not start with "иван".
    assert [name for _, name in found("иван")] == ["Иванов Пётр", "Иванов Сергей", "Иванова Мария"]
    assert [name for _, name in found("Иванов  пёт")] == ["Иванов Пётр"]
    assert found("Сидоров") == []


def test_a_search_is_counted_to_a_lower_cap(client, anna, own_organisation):
    from crm.core.generic.base import SEARCH_COUNT_CAP

    Contact.objects.bulk_create(
        Contact(organisation=own_organisation, last_name="Смирнов", first_name=f"Имя{i:03}")
        for i in range(SEARCH_COUNT_CAP + 5)
    )
    client.force_login(anna)
    response = client.get(reverse("clients:contact_list"), {"q": "смирнов"})
    assert response.context["more"] is True
    assert response.context["total"] == SEARCH_COUNT_CAP


@pytest.mark.parametrize("analysed", [False, True])
def test_a_count_past_the_cap_shows_the_estimate_only_when_it_is_larger(
    client, anna, own_organisation, analysed
):
    """Past the cap the page shows the planner's estimate of the rows ("of about N"). Where
    the estimate is no larger than the rows counted (statistics taken when the table was
    nearly empty), it says "of more than" the cap instead of "of about 201"."""
    from django.core.cache import cache
    from django.db import connection

    from crm.core.generic.base import SEARCH_COUNT_CAP

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clients_contact")
    Contact.objects.bulk_create(
        Contact(organisation=own_organisation, last_name="Смирнов", first_name=f"Имя{i:03}")
        for i in range(SEARCH_COUNT_CAP + 50)
    )
    if analysed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE clients_contact")
    cache.clear()  # estimates are kept a minute per statement
    client.force_login(anna)
    response = client.get(reverse("clients:contact_list"), {"q": "смирнов"})
    count = response.content.decode()
    assert response.context["more"] is True
    if analysed:
        assert response.context["estimate"] > SEARCH_COUNT_CAP
        assert f"из примерно {response.context['estimate']}" in count
    else:
        assert response.context["estimate"] is None
        assert f"из более чем {SEARCH_COUNT_CAP}" in count


def test_more_than_the_cap_is_remembered_but_an_exact_count_is_always_fresh(
    client, anna, own_organisation
):
    """Paging through a big result counts it once a minute ("more than the cap" is kept per
    statement); a result within the cap is counted on every view, so a new row shows at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crm.core.generic.base import SEARCH_COUNT_CAP

    Contact.objects.bulk_create(
        Contact(organisation=own_organisation, last_name="Смирнов", first_name=f"Имя{i:03}")
        for i in range(SEARCH_COUNT_CAP + 5)
    )
    Contact.objects.bulk_create(
        Contact(organisation=own_organisation, last_name="Кузнецов", first_name=f"Имя{i:03}")
        for i in range(60)
    )
    client.force_login(anna)
    url = reverse("clients:contact_list")

    def counted(params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        counts = [q for q in captured if q["sql"].startswith("SELECT COUNT(*) FROM (")]
        return response.context, len(counts)

    first, counts = counted({"q": "смирнов"})
    assert (first["more"], first["total"], counts) == (True, SEARCH_COUNT_CAP, 1)
    first, counts = counted({"q": "смирнов"})
    assert (first["more"], first["total"], counts) == (True, SEARCH_COUNT_CAP, 0)
    # A later page keys it on the count's own statement (the first page's is not compiled).
    for expected in (1, 0):
        second, counts = counted({"q": "смирнов", "page": 2})
        assert (second["more"], second["total"], counts) == (True, SEARCH_COUNT_CAP, expected)
    exact, counts = counted({"q": "кузнецов"})
    assert (exact["more"], exact["total"], counts) == (False, 60, 1)
    Contact.objects.create(organisation=own_organisation, last_name="Кузнецов", first_name="Ещё")
    exact, counts = counted({"q": "кузнецов"})
    assert (exact["more"], exact["total"], counts) == (False, 61, 1)
