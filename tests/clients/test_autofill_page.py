"""The organisation form's "Fill in by INN" button: DaData's values land in the form, nothing
is saved, a typed name is kept, errors read in the user's language. DaData is the local fake."""

import pytest
from django.test import override_settings
from django.urls import reverse

from crm.clients.models import Organisation
from integrations.dadata.fake import FakeDadata

pytestmark = pytest.mark.django_db

SBER_INN = "7707083893"


@pytest.fixture
def fake():
    with FakeDadata() as server, override_settings(**server.settings, INTEGRATION_TIMEOUT=3):
        yield server


@pytest.fixture
def anna(make_user):
    return make_user(username="anna", role="sales_manager")


def test_the_button_fills_the_form_and_saves_nothing(client, anna, fake):
    client.force_login(anna)
    url = reverse("clients:organisation_create")
    assert 'name="autofill"' in client.get(url).content.decode()
    response = client.post(url, {"inn": SBER_INN, "name": "", "autofill": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert Organisation.objects.count() == 0
    form = response.context["form"]
    assert form.initial["kpp"] == "773601001"
    assert "СБЕРБАНК" in form.initial["legal_name"]
    assert "alert-success" in page
    assert "ПАО" in page
    assert len(fake.requests) == 1
    assert fake.requests[0].headers["authorization"].startswith("Token ")


def test_a_typed_name_is_kept_and_a_branch_can_be_picked(client, anna, fake):
    client.force_login(anna)
    url = reverse("clients:organisation_create")
    # A branch is picked by its KPP, typed in the form (or sent by a candidate's button).
    response = client.post(
        url, {"inn": SBER_INN, "kpp": "784243001", "name": "Сбер СЗ", "autofill": "1"}
    )
    form = response.context["form"]
    assert form.initial["name"] == "Сбер СЗ"
    assert form.initial["kpp"] == "784243001"


def test_a_wrong_inn_is_refused_without_asking_dadata(client, anna, fake):
    client.force_login(anna)
    response = client.post(
        reverse("clients:organisation_create"), {"inn": "7707083894", "autofill": "1"}
    )
    assert response.status_code == 200
    assert response.context["autofill_result"]["found"] is False
    assert response.context["autofill_result"]["message"]
    assert fake.requests == []
    assert Organisation.objects.count() == 0


def test_without_a_key_there_is_no_button(client, anna):
    client.force_login(anna)
    with override_settings(DADATA_API_KEY=""):
        page = client.get(reverse("clients:organisation_create")).content.decode()
    assert 'name="autofill"' not in page
