"""The DaData client against the fake DaData server: real HTTP on 127.0.0.1, real JSON."""

import time

import pytest
import requests
from django.test import override_settings
from django.utils import translation

from integrations.dadata import fake as dadata_fake
from integrations.dadata.client import (
    BadAnswerError,
    InvalidKeyError,
    InvalidRequisiteError,
    KeyRefusedError,
    NotConfiguredError,
    RateLimitedError,
    RefusedError,
    UnavailableError,
    find_party,
)
from integrations.dadata.fake import FakeDadata, party

SBER_INN = "7707083893"
UNKNOWN_INN = "5033556811"  # valid check digit, not in the fake's registry


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def fake():
    with FakeDadata() as server, override_settings(**server.settings, INTEGRATION_TIMEOUT=3):
        yield server


# --- found ------------------------------------------------------------------------------------


def test_the_head_office_is_found_by_inn(fake):
    parties = find_party(SBER_INN)
    assert len(parties) == 1
    sber = parties[0]
    assert (sber.inn, sber.kpp, sber.ogrn) == (SBER_INN, "773601001", "1027700132195")
    assert sber.type == "LEGAL"
    assert sber.branch_type == "MAIN"
    assert sber.name_short == 'ПАО "СБЕРБАНК"'
    assert sber.name_full == 'ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО "СБЕРБАНК РОССИИ"'
    assert sber.address == "г Москва, ул Вавилова, д 19"
    assert sber.address_full == "117312, г Москва, ул Вавилова, д 19"
    assert sber.region_code == "77"
    assert sber.management_post == "ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ"
    assert sber.status == "ACTIVE"
    assert sber.is_active
    assert sber.okved == "64.19"
    assert sber.raw["data"]["inn"] == SBER_INN  # the provider's payload is kept


def test_the_request_carries_the_token_and_the_documented_body(fake):
    find_party(" 7707 083893 ")
    [sent] = fake.requests
    assert sent.method == "POST"
    assert sent.path == "/suggestions/api/4_1/rs/findById/party"
    assert sent.headers["authorization"] == "Token fake-dadata-key"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/json"
    assert "x-secret" not in sent.headers
    assert sent.json == {"query": SBER_INN, "count": 10, "branch_type": "MAIN"}


def test_a_kpp_picks_the_branch_instead_of_the_head_office(fake):
    [branch] = find_party(SBER_INN, kpp="784243001")
    assert branch.kpp == "784243001"
    assert branch.branch_type == "BRANCH"
    assert branch.region_code == "78"
    assert fake.requests[-1].json == {"query": SBER_INN, "count": 10, "kpp": "784243001"}


def test_a_sole_proprietor_is_asked_without_a_branch_filter(fake):
    [sole] = find_party("775589768464")
    assert fake.requests[-1].json == {"query": "775589768464", "count": 10}
    assert sole.type == "INDIVIDUAL"
    assert sole.kpp == ""
    assert sole.ogrn == "317779788093203"
    assert sole.name_short == "ИП Соколова Анна Викторовна"
    assert sole.management_name == ""  # null on the wire


def test_cyrillic_in_the_answer_survives(fake):
    [company] = find_party("7816588132")
    assert company.name_short == 'ООО "ТЕПЛОСТРОЙ-СЕВЕР"'
    assert company.management_name == "Ёлкин Пётр Алексеевич"
    assert company.address.endswith("литера А, помещ 14-Н")


def test_null_blocks_read_as_empty_text(fake):
    bare = party(
        inn=UNKNOWN_INN,
        kpp="503301001",
        ogrn="1255051884471",
        full="ПУСТО",
        short="ПУСТО",
        opf=dadata_fake.LLC,
        address="",
        postal_code="",
        region_kladr_id="",
        region="",
    )
    bare["data"].update(address=None, name=None, state=None, management=None, okved=None)
    fake.add(bare)
    [company] = find_party(UNKNOWN_INN)
    assert (company.address, company.region_code, company.status) == ("", "", "")
    assert company.name_short == 'ООО "ПУСТО"'  # from "value"
    assert not company.is_active


def test_a_liquidated_company_is_returned_with_its_state(fake):
    [company] = find_party("6657309117")
    assert company.status == "LIQUIDATED"
    assert not company.is_active


# --- not found and refused input ----------------------------------------------------------------


def test_an_unknown_inn_is_an_empty_list_not_an_error(fake):
    assert find_party(UNKNOWN_INN) == []
    assert len(fake.requests) == 1


def test_an_unknown_kpp_is_an_empty_list(fake):
    assert find_party(SBER_INN, kpp="773601999") == []


@pytest.mark.parametrize("inn", ["7707083894", "770708389", "77070838931", "abcdefghij", ""])
def test_a_malformed_inn_never_reaches_dadata(fake, inn):
    with pytest.raises(InvalidRequisiteError) as caught:
        find_party(inn)
    assert caught.value.field == "inn"
    assert str(caught.value.message)
    assert fake.requests == []


@pytest.mark.parametrize("kpp", ["77360100", "7736010011", "7736-01-001"])
def test_a_malformed_kpp_never_reaches_dadata(fake, kpp):
    with pytest.raises(InvalidRequisiteError) as caught:
        find_party(SBER_INN, kpp=kpp)
    assert caught.value.field == "kpp"
    assert fake.requests == []


def test_a_kpp_for_a_sole_proprietor_is_refused_before_sending(fake):
    with pytest.raises(InvalidRequisiteError) as caught:
        find_party("775589768464", kpp="773601001")
    assert caught.value.field == "kpp"
    assert fake.requests == []


@pytest.mark.parametrize("key", ["", "   "])
def test_without_a_key_the_lookup_says_it_is_not_set_up(fake, key):
    with override_settings(DADATA_API_KEY=key), pytest.raises(NotConfiguredError) as caught:
        find_party(SBER_INN)
    assert "administrator" in str(caught.value.message)
    assert fake.requests == []


# --- errors of the service ----------------------------------------------------------------------


def test_401_means_the_key_was_not_accepted(fake):
    fake.reply_next(401)
    with pytest.raises(InvalidKeyError) as caught:
        find_party(SBER_INN)
    assert "API key" in str(caught.value.message)
    assert "401" in caught.value.detail
    assert len(fake.requests) == 1  # an auth error is never retried


def test_a_wrong_key_is_refused_with_403(fake):
    with override_settings(DADATA_API_KEY="not-the-key"), pytest.raises(KeyRefusedError) as caught:
        find_party(SBER_INN)
    assert isinstance(caught.value, InvalidKeyError)
    assert "Unknown API key" in caught.value.detail
    assert len(fake.requests) == 1


def test_an_exhausted_daily_limit_is_refused_with_403(fake):
    fake.limit_exhausted = True
    with pytest.raises(KeyRefusedError) as caught:
        find_party(SBER_INN)
    assert "limit" in str(caught.value.message)


def test_one_429_is_retried_once_after_a_short_pause(fake):
    fake.rate_limit_next = 1
    started = time.monotonic()
    [sber] = find_party(SBER_INN)
    assert sber.inn == SBER_INN
    assert len(fake.requests) == 2
    assert time.monotonic() - started < 2


def test_429_again_gives_up_without_a_loop(fake):
    fake.rate_limit_next = 10
    with pytest.raises(RateLimitedError) as caught:
        find_party(SBER_INN)
    assert "too many requests" in str(caught.value.message)
    assert len(fake.requests) == 2


def test_a_slow_answer_times_out_as_unavailable(fake):
    fake.delay = 3
    started = time.monotonic()
    with override_settings(INTEGRATION_TIMEOUT=0.3), pytest.raises(UnavailableError) as caught:
        find_party(SBER_INN)
    assert time.monotonic() - started < 2
    assert "timeout" in caught.value.detail


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_unavailable(fake, status):
    fake.reply_next(status, b"<html><body>Bad Gateway</body></html>", "text/html")
    with pytest.raises(UnavailableError):
        find_party(SBER_INN)
    assert len(fake.requests) == 1


def test_a_server_that_is_down_is_unavailable(fake):
    url = fake.url
    fake.stop()
    with override_settings(DADATA_URL=url), pytest.raises(UnavailableError) as caught:
        find_party(SBER_INN)
    assert "network" in caught.value.detail


def test_an_answer_that_is_not_json_is_a_bad_answer(fake):
    fake.reply_next(200, b"<html>maintenance</html>", "text/html")
    with pytest.raises(BadAnswerError) as caught:
        find_party(SBER_INN)
    assert "could not be read" in str(caught.value.message)


def test_json_without_suggestions_is_a_bad_answer(fake):
    fake.reply_next(200, {"data": []})
    with pytest.raises(BadAnswerError):
        find_party(SBER_INN)


def test_a_refused_request_is_reported_not_retried(fake):
    fake.reply_next(413)
    with pytest.raises(RefusedError):
        find_party(SBER_INN)
    assert len(fake.requests) == 1


# --- the fake speaks DaData's wire format --------------------------------------------------------


def post(fake, body, **headers):
    return requests.post(fake.url + "/findById/party", data=body, headers=headers, timeout=3)


def test_the_fake_refuses_a_request_without_a_key_with_dadatas_error_json(fake):
    response = post(fake, '{"query": "7707083893"}', **{"Content-Type": "application/json"})
    assert response.status_code == 401
    assert response.json()["family"] == "CLIENT_ERROR"
    assert response.json()["reason"] == "Unauthorized"


def test_the_fake_checks_method_media_type_and_json(fake):
    token = {"Authorization": "Token fake-dadata-key"}
    assert requests.get(fake.url + "/findById/party", timeout=3).status_code == 405
    assert post(fake, '{"query": "1"}', **token).status_code == 415
    json_type = {**token, "Content-Type": "application/json"}
    assert post(fake, "{not json", **json_type).status_code == 400
    too_many = '{"query": "7707083893", "count": 301}'
    assert post(fake, too_many, **json_type).status_code == 413
    assert requests.post(fake.url + "/findById/bank", timeout=3).status_code == 404


def test_the_fake_finds_by_ogrn_and_returns_every_branch_without_filters(fake):
    token = {"Authorization": "Token fake-dadata-key", "Content-Type": "application/json"}
    response = post(fake, '{"query": "1027700132195"}', **token)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    kpps = [s["data"]["kpp"] for s in response.json()["suggestions"]]
    assert kpps == ["773601001", "784243001"]
    one = post(fake, '{"query": "1027700132195", "count": 1}', **token)
    assert len(one.json()["suggestions"]) == 1
