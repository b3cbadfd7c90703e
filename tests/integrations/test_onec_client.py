"""The 1C OData client against the fake 1C server: real HTTP on 127.0.0.1, real wire format."""

import base64
import json
import uuid
from datetime import datetime, timedelta

import pytest
import requests
from django.utils import translation

from crm.clients import requisites
from integrations.onec.client import (
    ODataClient,
    Page,
    build_query,
    literal,
    parse_metadata,
)
from integrations.onec.errors import (
    OneCAuthError,
    OneCBadRequest,
    OneCNotFound,
    OneCUnavailable,
)
from integrations.onec.fake import ZERO_GUID, FakeOneC, demo_dataset, ref

COUNTERPARTIES = "Catalog_Контрагенты"
BRANDS = "Catalog_Марки"
TEPLOSTROY = ref(COUNTERPARTIES, "Теплострой-Север")


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English, the source language."""
    with translation.override("en"):
        yield


@pytest.fixture
def fake():
    with FakeOneC() as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """The pauses the client asked for between attempts (nobody really waits)."""
    return []


@pytest.fixture
def client(fake, sleeps):
    with ODataClient(
        fake.url, fake.username, fake.password, timeout=3, sleep=sleeps.append
    ) as odata:
        yield odata


# --- $metadata --------------------------------------------------------------------------------


def test_metadata_lists_the_entity_sets_with_their_edm_types(client):
    sets = client.metadata().entity_sets
    assert set(demo_dataset()) == set(sets)
    counterparty = sets[COUNTERPARTIES]
    assert counterparty["Ref_Key"] == "Edm.Guid"
    assert counterparty["Parent_Key"] == "Edm.Guid"
    assert counterparty["DeletionMark"] == "Edm.Boolean"
    assert counterparty["ИНН"] == "Edm.String"
    sale = sets["Document_РеализацияТоваровУслуг"]
    assert sale["Date"] == "Edm.DateTime"
    assert sale["СуммаДокумента"] == "Edm.Double"


def test_missing_reports_an_absent_set_and_an_absent_property(client):
    required = {
        COUNTERPARTIES: ["Ref_Key", "ИНН", "КПП", "ОсновнойБанковскийСчет_Key"],
        "Catalog_ДоговорыКонтрагентов": ["Ref_Key", "Owner_Key"],
        BRANDS: ["Description"],
    }
    missing = client.metadata().missing(required)
    assert missing == {
        COUNTERPARTIES: ["ОсновнойБанковскийСчет_Key"],
        "Catalog_ДоговорыКонтрагентов": ["Ref_Key", "Owner_Key"],
    }
    assert client.metadata().missing({BRANDS: ["Ref_Key"]}) == {}


def test_metadata_maps_sets_to_types_through_the_entity_type_attribute():
    xml = """<?xml version="1.0" encoding="UTF-8"?>
    <edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">
      <edmx:DataServices>
        <Schema xmlns="http://schemas.microsoft.com/ado/2008/09/edm" Namespace="StandardODATA">
          <EntityType Name="ТипКонтрагента">
            <Key><PropertyRef Name="Ref_Key"/></Key>
            <Property Name="Ref_Key" Type="Edm.Guid" Nullable="false"/>
            <Property Name="ИНН" Type="Edm.String"/>
          </EntityType>
          <EntityContainer Name="StandardODATA">
            <EntitySet Name="Catalog_Контрагенты" EntityType="StandardODATA.ТипКонтрагента"/>
          </EntityContainer>
        </Schema>
      </edmx:DataServices>
    </edmx:Edmx>"""
    metadata = parse_metadata(xml.encode())
    assert metadata.entity_sets == {COUNTERPARTIES: {"Ref_Key": "Edm.Guid", "ИНН": "Edm.String"}}


# --- data and paging --------------------------------------------------------------------------


def test_pages_return_every_row_once_in_ref_key_order(fake, client):
    for number in range(25):
        fake.add(BRANDS, {"Description": f"Марка {number}"})
    expected = sorted(row["Ref_Key"] for row in fake.entity_sets[BRANDS])
    assert len(expected) == 28

    pages = list(client.pages(BRANDS, page_size=10))

    assert [page.skip for page in pages] == [0, 10, 20]
    assert all(isinstance(page, Page) for page in pages)
    assert [row["Ref_Key"] for page in pages for row in page.rows] == expected
    queries = [request.params for request in fake.requests]
    assert [(q["$orderby"], q["$top"], q["$skip"]) for q in queries] == [
        ("Ref_Key", "10", "0"),
        ("Ref_Key", "10", "10"),
        ("Ref_Key", "10", "20"),
    ]


def test_paging_stops_after_an_empty_page_when_the_last_page_was_full(fake, client):
    for number in range(7):
        fake.add(BRANDS, {"Description": f"Марка {number}"})  # 10 rows in all

    pages = list(client.pages(BRANDS, select=["Ref_Key"], page_size=5, start_skip=0))

    assert [len(page.rows) for page in pages] == [5, 5]  # the empty third page is not yielded
    assert fake.request_count == 3
    assert pages[0].rows[0].keys() == {"Ref_Key"}


def test_the_query_string_keeps_dollar_literal_and_encodes_spaces_as_percent_20(fake, client):
    rows = client.get(
        COUNTERPARTIES,
        select=["Ref_Key", "Description"],
        filter="Description eq " + literal('ООО "Теплострой-Север"'),
    )

    assert rows == [{"Ref_Key": TEPLOSTROY, "Description": 'ООО "Теплострой-Север"'}]
    sent = fake.requests[-1]
    assert sent.query.startswith(
        "$format=json&$select=Ref_Key,Description&$filter=Description%20eq"
    )
    assert "$top=1000" in sent.query
    assert "%22" in sent.query  # the double quotes
    assert "%27" in sent.query  # the OData string quotes
    assert "+" not in sent.query
    assert "%24" not in sent.query
    assert sent.path.endswith(
        "/Catalog_%D0%9A%D0%BE%D0%BD%D1%82%D1%80%D0%B0%D0%B3%D0%B5%D0%BD%D1%82%D1%8B"
    )


def test_build_query_and_literals():
    query = build_query({"$filter": "ИНН eq '1' and Posted eq true", "$top": 5, "$skip": None})
    assert query == (
        "$format=json&$filter=%D0%98%D0%9D%D0%9D%20eq%20%271%27%20and%20Posted%20eq%20true&$top=5"
    )
    assert build_query({"$format": "json", "allowedOnly": True}) == "$format=json&allowedOnly=true"
    assert literal("Д'Артаньян") == "'Д''Артаньян'"
    assert literal(uuid.UUID(TEPLOSTROY)) == f"guid'{TEPLOSTROY}'"
    assert literal(datetime(2024, 5, 1, 12, 30, 15, 999)) == "datetime'2024-05-01T12:30:15'"
    assert literal(False) == "false"


def test_filter_eq_on_inn_returns_the_row(client):
    rows = client.get(COUNTERPARTIES, filter=f"ИНН eq {literal('7816588132')}")
    assert [row["Ref_Key"] for row in rows] == [TEPLOSTROY]
    assert rows[0]["КПП"] == "781601001"
    assert rows[0]["ЮридическоеФизическоеЛицо"] == "ЮридическоеЛицо"
    assert rows[0]["Parent_Key"] == ZERO_GUID


def test_filter_on_guid_and_datetime_window(client):
    sales = client.get(
        "Document_РеализацияТоваровУслуг",
        filter=" and ".join(
            [
                f"Контрагент_Key eq {literal(uuid.UUID(TEPLOSTROY))}",
                f"Date ge {literal(datetime.now() - timedelta(days=35))}",
                f"Date lt {literal(datetime.now())}",
                "Posted eq true",
            ]
        ),
    )
    assert [sale["Number"] for sale in sales] == ["00УТ-000101"]


def test_changes_made_like_1c_show_in_deletion_mark_and_data_version(fake, client):
    before = client.get(COUNTERPARTIES, filter=f"Ref_Key eq guid'{TEPLOSTROY}'")[0]
    assert before["DeletionMark"] is False

    fake.update(COUNTERPARTIES, TEPLOSTROY, КПП="781601002")
    updated = client.get(COUNTERPARTIES, filter=f"Ref_Key eq guid'{TEPLOSTROY}'")[0]
    assert updated["КПП"] == "781601002"
    assert updated["DataVersion"] != before["DataVersion"]

    fake.mark_deleted(COUNTERPARTIES, TEPLOSTROY)
    deleted = client.get(COUNTERPARTIES, filter=f"Ref_Key eq guid'{TEPLOSTROY}'")[0]
    assert deleted["DeletionMark"] is True
    assert deleted["DataVersion"] not in (before["DataVersion"], updated["DataVersion"])
    marked = client.get(COUNTERPARTIES, select=["Ref_Key"], filter="DeletionMark eq true")
    assert TEPLOSTROY in {row["Ref_Key"] for row in marked}

    fake.remove(COUNTERPARTIES, TEPLOSTROY)
    assert client.get(COUNTERPARTIES, filter=f"Ref_Key eq guid'{TEPLOSTROY}'") == []


# --- auth -------------------------------------------------------------------------------------


def test_a_cyrillic_user_name_is_sent_as_utf8(fake, client):
    assert client.get(BRANDS)
    header = fake.requests[-1].headers["Authorization"]
    scheme, token = header.split(" ")
    assert scheme == "Basic"
    assert base64.b64decode(token).decode("utf-8") == "Администратор:пароль"


def test_a_wrong_password_raises_auth_error_without_retries(fake, sleeps):
    odata = ODataClient(fake.url, "Администратор", "не тот", sleep=sleeps.append)

    with pytest.raises(OneCAuthError) as caught:
        odata.get(BRANDS)

    error = caught.value
    assert error.status == 401
    assert error.onec_message == ""  # the body is an HTML page, not an odata.error
    assert "Unauthorized" in error.detail
    assert str(error.message) == (
        "1C refused the user name or password, or the user has no rights."
    )
    assert fake.request_count == 1
    assert sleeps == []


def test_missing_credentials_are_refused_by_the_fake(fake):
    response = requests.get(f"{fake.url}/{BRANDS}?$format=json", timeout=3)
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["WWW-Authenticate"].startswith("Basic")


# --- retries and failures ---------------------------------------------------------------------


def test_a_500_then_success_is_retried_after_a_pause(fake, client, sleeps):
    fake.fail_next(500)

    rows = client.get(BRANDS)

    assert {row["Description"] for row in rows} == {"Baxi", "Viessmann", "Rehau"}
    assert fake.request_count == 2
    assert sleeps == [0.5]


def test_a_persistent_500_gives_unavailable_after_all_attempts(fake, sleeps):
    fake.fail_next(500, count=10)
    odata = ODataClient(fake.url, fake.username, fake.password, retries=3, sleep=sleeps.append)

    with pytest.raises(OneCUnavailable) as caught:
        odata.get(BRANDS)

    assert fake.request_count == 3
    assert sleeps == [0.5, 1.0]  # backoff * 2**attempt
    assert caught.value.status == 500
    assert caught.value.onec_message == "Ошибка при выполнении операции над данными"


def test_a_server_slower_than_the_timeout_gives_unavailable(fake, sleeps):
    fake.delay = 2.0
    odata = ODataClient(
        fake.url, fake.username, fake.password, timeout=0.2, retries=2, sleep=sleeps.append
    )

    with pytest.raises(OneCUnavailable) as caught:
        odata.get(BRANDS)

    assert caught.value.status is None
    assert "no answer in 0.2s" in caught.value.detail
    assert fake.request_count == 2
    assert sleeps == [0.5]


def test_a_server_that_is_down_gives_unavailable(sleeps):
    with FakeOneC() as gone:
        url = gone.url
    odata = ODataClient(url, "Администратор", "пароль", retries=2, sleep=sleeps.append)

    with pytest.raises(OneCUnavailable) as caught:
        odata.metadata()

    assert "network error" in caught.value.detail
    assert sleeps == [0.5]


def test_an_unknown_entity_set_raises_not_found_with_the_1c_message(fake, client, sleeps):
    with pytest.raises(OneCNotFound) as caught:
        client.get("Catalog_НесуществующийСправочник")

    assert caught.value.status == 404
    assert caught.value.onec_message == "Не найден сегмент URL: Catalog_НесуществующийСправочник"
    assert fake.request_count == 1
    assert sleeps == []


def test_a_bad_filter_raises_bad_request_without_retries(fake, client, sleeps):
    with pytest.raises(OneCBadRequest) as caught:
        client.get(COUNTERPARTIES, filter="ИНН eq")

    assert caught.value.status == 400
    assert "$filter" in caught.value.onec_message
    assert fake.request_count == 1
    assert sleeps == []


# --- the fake's own wire format ---------------------------------------------------------------


def _raw_get(fake: FakeOneC, path_and_query: str) -> requests.Response:
    auth = (fake.username.encode(), fake.password.encode())
    return requests.get(f"{fake.url}/{path_and_query}", auth=auth, timeout=3)


def test_the_fake_answers_with_1c_json_and_inlinecount(fake):
    response = _raw_get(fake, f"{BRANDS}?$format=json&$inlinecount=allpages&$top=1")

    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["odata.metadata"] == f"{fake.url}/$metadata#{BRANDS}"
    assert body["odata.count"] == "3"
    assert len(body["value"]) == 1


def test_the_fake_refuses_a_request_without_format_json_and_plus_for_spaces(fake):
    assert _raw_get(fake, BRANDS).status_code == 406
    plus = _raw_get(fake, f"{BRANDS}?$format=json&$filter=Description+eq+'Baxi'")
    assert plus.status_code == 400
    assert "odata.error" in json.loads(plus.content)


def test_the_fake_serves_one_object_by_its_guid(fake):
    body = _raw_get(fake, f"{COUNTERPARTIES}(guid'{TEPLOSTROY}')?$format=json").json()
    assert body["odata.metadata"].endswith(f"#{COUNTERPARTIES}/@Element")
    assert body["ИНН"] == "7816588132"


def test_the_demo_requisites_pass_their_checks():
    data = demo_dataset()
    for row in data[COUNTERPARTIES]:
        assert requisites.check_inn(row["ИНН"]) == row["ИНН"]
        if row["КПП"]:
            assert requisites.check_kpp(row["КПП"]) == row["КПП"]
    for bank in data["Catalog_КлассификаторБанков"]:
        assert requisites.check_corr_account(bank["КоррСчет"], bank["Code"]) == bank["КоррСчет"]
    units = {row["Code"]: row["Description"] for row in data["Catalog_УпаковкиЕдиницыИзмерения"]}
    assert units["796"] == "шт"
    goods = {row["Description"]: row for row in data["Catalog_Номенклатура"]}
    boiler = goods["Котёл газовый Baxi ECO Four 24"]
    assert boiler["Марка_Key"] == ref(BRANDS, "Baxi")
    assert boiler["Parent_Key"] == goods["Отопление"]["Ref_Key"]
    assert goods["Отопление"]["IsFolder"] is True
