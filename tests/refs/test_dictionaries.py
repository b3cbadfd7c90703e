"""The dictionaries added for the catalogue and sales: banks (BIK and correspondent account
checked), units of measure (OKEI codes), payment forms, warehouses, outlet formats; external
codes unique when set; everyone reads them, the API serves them, the demo fills them once."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from crm.core import access
from crm.core.api.services import api_key_create
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.refs import demo
from crm.refs.models import Bank, OutletFormat, PaymentForm, UnitOfMeasure, Warehouse
from tests.factories import CityFactory, UserFactory

pytestmark = pytest.mark.django_db

SBER = {"bik": "044525225", "name": "ПАО Сбербанк", "corr_account": "30101810400000000225"}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_a_bank_with_a_valid_bik_and_correspondent_account(db):
    bank = Bank(**{**SBER, "bik": " 044525225 "}, city=CityFactory(name="Москва"))
    bank.full_clean()
    assert bank.bik == "044525225"


@pytest.mark.parametrize("bik", ["44525225", "0445252251", "14452522X", "144525225"])
def test_a_malformed_bik_is_refused(bik):
    assert (
        "A BIK has 9 digits and starts with 04." in errors_of(Bank(**{**SBER, "bik": bik}))["bik"]
    )


def test_a_correspondent_account_not_matching_the_bik_is_refused():
    bank = Bank(**{**SBER, "corr_account": "30101810400000000226"})
    assert "does not match the BIK" in errors_of(bank)["corr_account"][0]


def test_a_bik_is_unique(db):
    Bank.objects.create(**SBER)
    assert errors_of(Bank(**SBER))["bik"] == ["A bank with this BIK already exists."]


@pytest.mark.parametrize("code", ["79", "7960", "шт"])
def test_an_okei_code_has_three_digits(code):
    assert "code" in errors_of(UnitOfMeasure(code=code, symbol="шт", name="Штука"))


def test_a_unit_reads_as_its_symbol():
    assert str(UnitOfMeasure(code="796", symbol="шт", name="Штука")) == "шт"


def test_external_codes_are_unique_only_when_set(db):
    OutletFormat.objects.create(name="Салон")
    OutletFormat(name="Магазин").full_clean()  # two empty codes are fine
    OutletFormat.objects.create(name="Франшиза", external_code="OF-1")
    assert "__all__" in errors_of(OutletFormat(name="Ещё франшиза", external_code="OF-1"))


def test_a_payment_form_may_name_its_bank(db):
    bank = Bank.objects.create(**SBER)
    form = PaymentForm.objects.create(name="Безналичный (Сбербанк)", bank=bank)
    assert list(bank.payment_forms.all()) == [form]


@pytest.mark.parametrize("model", [OutletFormat, UnitOfMeasure, Bank, PaymentForm, Warehouse])
def test_everyone_reads_the_dictionaries_and_changing_them_takes_the_permission(model):
    rule = access.rule_for(model)
    assert isinstance(rule, access.ReferenceData)
    assert not rule.needs_permission("view")
    assert all(rule.needs_permission(a) for a in ("change", "delete", "export"))


def test_the_demo_fills_the_dictionaries_once(db):
    with audit_context(source=Source.SYSTEM, channel=Channel.TASK):
        first = demo.seed(scale="ci")
        counts = [m.objects.count() for m in (UnitOfMeasure, Bank, PaymentForm, Warehouse)]
        assert demo.seed(scale="ci") == first
    assert counts == [m.objects.count() for m in (UnitOfMeasure, Bank, PaymentForm, Warehouse)]
    assert UnitOfMeasure.objects.get(code="796").symbol == "шт"
    for bank in Bank.objects.all():
        bank.full_clean()  # real BIKs with matching correspondent accounts
    assert Warehouse.objects.filter(city__isnull=False).count() == Warehouse.objects.count()
    assert OutletFormat.objects.count() >= 5


@pytest.fixture
def api(client):
    service = UserFactory(username="site")

    def get(url, scopes=("refs:read",), **params):
        raw = api_key_create(None, name="site", user=service, scopes=list(scopes))[1]
        return client.get(url, params, headers={"Authorization": f"Api-Key {raw}"})

    return get


def test_the_api_serves_banks_by_bik_and_units_by_code(api, db):
    Bank.objects.create(**SBER)
    UnitOfMeasure.objects.create(code="796", symbol="шт", name="Штука")
    bank = api("/api/v1/refs/banks/044525225/")
    assert bank.status_code == 200
    assert bank.json()["corr_account"] == SBER["corr_account"]
    unit = api("/api/v1/refs/units/796/")
    assert unit.json()["symbol"] == "шт"


@pytest.mark.parametrize(
    "path",
    ["client-types", "client-categories", "sales-channels", "lead-sources", "outlet-formats",
     "payment-forms", "warehouses", "banks", "units"],
)  # fmt: skip
def test_every_dictionary_is_listed_with_the_read_scope_only(api, db, path):
    assert api(f"/api/v1/refs/{path}/").status_code == 200
    assert api(f"/api/v1/refs/{path}/", scopes=("clients:read",)).status_code == 403


def test_the_admin_searches_banks_by_bik(logged_in, admin_user, db):
    Bank.objects.create(**SBER)
    client = logged_in(admin_user)
    response = client.get(reverse("admin:refs_bank_changelist"), {"q": "0445252"})
    assert response.status_code == 200
    assert "ПАО Сбербанк" in response.content.decode()
