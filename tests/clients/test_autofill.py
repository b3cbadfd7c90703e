"""Organisation autofill by INN: DaData's party mapped onto the organisation form through the
field policy, with the duplicates the user can see. DaData is the fake server on 127.0.0.1."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import translation

from crm.accounts.models import FieldAccess, FieldPolicy
from crm.clients.autofill import autofill_error, organisation_autofill
from crm.clients.models import Organisation
from integrations.dadata import fake as dadata_fake
from integrations.dadata.client import DadataError, InvalidKeyError, NotConfiguredError
from integrations.dadata.fake import FakeDadata
from tests.factories import PositionFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

SBER_INN = "7707083893"


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def fake():
    with FakeDadata() as server, override_settings(**server.settings, INTEGRATION_TIMEOUT=3):
        yield server


@pytest.fixture
def moscow():
    return RegionFactory(name="Москва", code="77")


@pytest.fixture
def manager():
    return UserFactory(username="anna", role="sales_manager")


def restricted_manager(**levels):
    """A sales manager whose position has these field levels on organisations."""
    position = PositionFactory(name="Стажёр")
    for name, level in levels.items():
        FieldPolicy.objects.create(
            position=position, model="clients.organisation", field=name, access=level
        )
    return UserFactory(username="trainee", role="sales_manager", position=position)


def test_a_found_company_fills_the_organisation_form(fake, manager, moscow):
    result = organisation_autofill(manager, SBER_INN)
    assert result["found"] is True
    assert result["message"] == ""
    assert result["fields"] == {
        "inn": SBER_INN,
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "counterparty_type": "legal",
        "name": 'ПАО "СБЕРБАНК"',
        "legal_name": 'ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО "СБЕРБАНК РОССИИ"',
        "legal_address": "117312, г Москва, ул Вавилова, д 19",
        "region": moscow.pk,
    }
    [candidate] = result["candidates"]
    assert candidate["label"] == 'ПАО "СБЕРБАНК" · KPP 773601001 · г Москва, ул Вавилова, д 19'
    assert candidate["active"] is True
    assert candidate["branch"] is False
    assert candidate["warnings"] == []
    assert candidate["duplicates"] == []


def test_the_filled_values_pass_the_organisation_form(fake, manager, moscow):
    from crm.clients.forms import OrganisationForm

    fields = organisation_autofill(manager, SBER_INN)["fields"]
    form = OrganisationForm(data={**fields, "kind": "client", "status": "potential"}, user=manager)
    assert form.is_valid(), form.errors


def test_a_region_we_do_not_have_is_left_out(fake, manager):
    assert "region" not in organisation_autofill(manager, SBER_INN)["fields"]


def test_a_kpp_fills_in_the_branch(fake, manager):
    result = organisation_autofill(manager, SBER_INN, kpp="784243001")
    assert result["fields"]["kpp"] == "784243001"
    assert result["fields"]["legal_address"].startswith("191124, г Санкт-Петербург")
    assert result["candidates"][0]["branch"] is True


def test_a_sole_proprietor_is_an_entrepreneur_without_kpp(fake, manager):
    fields = organisation_autofill(manager, "775589768464")["fields"]
    assert fields["counterparty_type"] == "entrepreneur"
    assert fields["kpp"] == ""  # clears a KPP typed before
    assert fields["ogrn"] == "317779788093203"
    assert fields["name"] == "ИП Соколова Анна Викторовна"


def test_an_unknown_inn_says_so(fake, manager):
    result = organisation_autofill(manager, "5033556811")
    assert result == {
        "found": False,
        "message": "DaData knows no organisation with this INN.",
        "fields": {},
        "candidates": [],
    }


def test_an_unknown_branch_says_so(fake, manager):
    result = organisation_autofill(manager, SBER_INN, kpp="773601999")
    assert result["message"] == "DaData knows no branch with this INN and KPP."


def test_a_liquidated_company_comes_with_a_warning(fake, manager):
    [candidate] = organisation_autofill(manager, "6657309117")["candidates"]
    assert candidate["active"] is False
    assert candidate["warnings"] == ["The organisation has been liquidated."]


def test_several_registrations_become_candidates_the_active_first(fake, manager):
    fake.add(
        dadata_fake.party(
            inn="7816588132",
            kpp="781601001",
            ogrn="1167847123457",
            full="ТЕПЛОСТРОЙ",
            short="ТЕПЛОСТРОЙ",
            opf=dadata_fake.LLC,
            address="г Санкт-Петербург, ул Седова, д 11",
            postal_code="192019",
            region_kladr_id="7800000000000",
            region="г Санкт-Петербург",
            status="LIQUIDATED",
        )
    )
    fake.parties.insert(0, fake.parties.pop())  # DaData's order is not ours
    result = organisation_autofill(manager, "7816588132")
    assert [c["active"] for c in result["candidates"]] == [True, False]
    assert result["fields"]["name"] == 'ООО "ТЕПЛОСТРОЙ-СЕВЕР"'
    second = result["candidates"][1]["fields"]
    assert second["name"] == 'ООО "ТЕПЛОСТРОЙ"'
    assert "ogrn" not in second  # DaData's OGRN fails our check digit: not offered


def test_cyrillic_survives_the_round_trip(fake, manager):
    result = organisation_autofill(manager, "7816588132")
    assert result["fields"]["legal_address"].endswith("литера А, помещ 14-Н")
    assert result["fields"]["legal_name"] == (
        'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ТЕПЛОСТРОЙ-СЕВЕР"'
    )


# --- the field policy ---------------------------------------------------------------------------


def test_hidden_and_read_only_fields_are_not_filled(fake, moscow):
    trainee = restricted_manager(
        legal_name=FieldAccess.HIDDEN,
        ogrn=FieldAccess.HIDDEN,
        legal_address=FieldAccess.READ_ONLY,
        region=FieldAccess.READ_ONLY,
    )
    result = organisation_autofill(trainee, SBER_INN)
    assert set(result["fields"]) == {"inn", "kpp", "counterparty_type", "name"}
    for candidate in result["candidates"]:
        assert "РОССИИ" not in str(candidate)  # the hidden legal name appears nowhere
        assert "1027700132195" not in str(candidate)


def test_a_hidden_kpp_is_not_shown_in_the_candidate_label(fake):
    trainee = restricted_manager(kpp=FieldAccess.HIDDEN)
    [candidate] = organisation_autofill(trainee, SBER_INN)["candidates"]
    assert "773601001" not in candidate["label"]
    assert "kpp" not in candidate["fields"]


def test_a_user_who_may_not_edit_organisations_gets_nothing(fake):
    marketer = UserFactory(role="marketer")
    with pytest.raises(PermissionDenied):
        organisation_autofill(marketer, SBER_INN)
    assert fake.requests == []


# --- duplicates ---------------------------------------------------------------------------------


def test_an_organisation_the_user_sees_with_the_same_inn_and_kpp_is_a_duplicate(fake, manager):
    mine = Organisation.objects.create(
        name="Сбер, наш", owner=manager, inn=SBER_INN, kpp="773601001"
    )
    Organisation.objects.create(name="Сбер, филиал", owner=manager, inn=SBER_INN, kpp="784243001")
    archived = Organisation.objects.create(
        name="Сбер, старый", owner=manager, inn=SBER_INN, kpp="773601001", is_archived=True
    )
    [candidate] = organisation_autofill(manager, SBER_INN)["candidates"]
    assert candidate["duplicates"] == [
        {"id": mine.pk, "name": "Сбер, наш", "url": mine.get_absolute_url(), "archived": False},
        {
            "id": archived.pk,
            "name": "Сбер, старый",
            "url": archived.get_absolute_url(),
            "archived": True,
        },
    ]


def test_the_organisation_being_edited_is_not_its_own_duplicate(fake, manager):
    mine = Organisation.objects.create(name="Сбер", owner=manager, inn=SBER_INN, kpp="773601001")
    result = organisation_autofill(manager, SBER_INN, exclude_pk=mine.pk)
    assert result["candidates"][0]["duplicates"] == []


def test_an_organisation_outside_the_users_scope_is_not_hinted(fake, manager):
    stranger = UserFactory(username="stranger", role="sales_manager")
    Organisation.objects.create(name="Чужой Сбер", owner=stranger, inn=SBER_INN, kpp="773601001")
    [candidate] = organisation_autofill(manager, SBER_INN)["candidates"]
    assert candidate["duplicates"] == []


def test_no_duplicate_hint_for_a_user_who_may_not_see_the_inn(fake):
    trainee = restricted_manager(inn=FieldAccess.HIDDEN)
    Organisation.objects.create(name="Сбер", owner=trainee, inn=SBER_INN, kpp="773601001")
    result = organisation_autofill(trainee, SBER_INN)
    assert result["candidates"][0]["duplicates"] == []
    assert "inn" not in result["fields"]


def test_a_duplicate_whose_name_is_hidden_is_shown_by_number(fake):
    trainee = restricted_manager(name=FieldAccess.HIDDEN)
    org = Organisation.objects.create(name="Тайное", owner=trainee, inn=SBER_INN, kpp="773601001")
    [duplicate] = organisation_autofill(trainee, SBER_INN)["candidates"][0]["duplicates"]
    assert duplicate["name"] == f"Organisation #{org.pk}"


# --- errors -------------------------------------------------------------------------------------


def test_a_rejected_key_becomes_an_error_answer(fake, manager):
    fake.reply_next(401)
    with pytest.raises(InvalidKeyError) as caught:
        organisation_autofill(manager, SBER_INN)
    answer = autofill_error(caught.value)
    assert answer["found"] is False
    assert answer["error"] == "invalid_key"
    assert answer["field"] == ""
    assert "API key" in answer["message"]


def test_a_bad_inn_is_an_error_on_the_inn_field(fake, manager):
    with pytest.raises(DadataError) as caught:
        organisation_autofill(manager, "7707083894")
    answer = autofill_error(caught.value)
    assert answer["error"] == "invalid"
    assert answer["field"] == "inn"
    assert answer["message"] == "The INN check digits do not match: check for a typo."
    assert fake.requests == []


def test_the_message_is_in_the_users_language(fake, manager):
    with translation.override("ru"), pytest.raises(DadataError) as caught:
        organisation_autofill(manager, "7707083894")
    assert autofill_error(caught.value)["message"].startswith("Контрольные цифры ИНН")


def test_rate_limited_twice_is_an_error_answer(fake, manager):
    fake.rate_limit_next = 2
    with pytest.raises(DadataError) as caught:
        organisation_autofill(manager, SBER_INN)
    assert autofill_error(caught.value)["error"] == "rate_limited"


def test_without_a_key_the_answer_says_autofill_is_not_set_up(manager):
    with override_settings(DADATA_API_KEY=""), pytest.raises(NotConfiguredError) as caught:
        organisation_autofill(manager, SBER_INN)
    assert autofill_error(caught.value)["error"] == "not_configured"
