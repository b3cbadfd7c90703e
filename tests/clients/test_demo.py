"""The clients demo data: valid requisites, E.164 phones, the planted organisation, the
manager's agenda, idempotency; the benchmark loader (COPY) on a reduced size."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from crm.accounts.models import User
from crm.clients import demo, requisites
from crm.clients.models import (
    BankAccount,
    Contact,
    CounterpartyType,
    Interaction,
    Organisation,
    OrganisationKind,
)
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source

pytestmark = pytest.mark.django_db

E164 = re.compile(r"^\+7\d{10}$")
COUNTED_APPS = {"clients", "refs", "accounts", "auth", "pghistory"}
BENCH = {
    "organisations": 2000,
    "contacts": 6000,
    "interactions": 2000,
    "bank_accounts": 1500,
    "users": 20,
}


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in COUNTED_APPS and model._meta.managed and not model._meta.proxy
    }


@pytest.fixture
def seeded(demo_module, db):
    """The demo data, seeded once for this module (tests/conftest.py)."""


def check_organisation(org: Organisation) -> None:
    assert requisites.check_inn(org.inn) == org.inn
    if org.counterparty_type == CounterpartyType.ENTREPRENEUR:
        assert len(org.inn) == 12
        assert not org.kpp
        assert requisites.check_ogrnip(org.ogrn) == org.ogrn
        assert org.name.startswith("ИП ")
    else:
        assert len(org.inn) == 10
        assert requisites.check_kpp(org.kpp) == org.kpp
        assert requisites.check_ogrn(org.ogrn) == org.ogrn
        assert org.name.startswith(("ООО «", "АО «", "ПАО «")) or org.erp_key == demo.PLANTED_KEY
    assert E164.match(org.phone), org.phone
    assert requisites.normalise_phone(org.phone)[0] == org.phone
    assert org.region_id
    assert org.owner_id
    assert "@" in org.email


def test_ci_seed_builds_valid_organisations(seeded):
    orgs = Organisation.objects.filter(erp_key__startswith=demo.CI_PREFIX)
    assert orgs.count() == demo.CI_ORGANISATIONS
    for org in orgs:
        check_organisation(org)
    entrepreneurs = orgs.filter(counterparty_type=CounterpartyType.ENTREPRENEUR).count()
    assert 0.12 < entrepreneurs / demo.CI_ORGANISATIONS < 0.28
    assert orgs.filter(kind=OrganisationKind.DEALER).count() == demo.CI_DEALERS
    sub_dealers = orgs.filter(kind=OrganisationKind.SUB_DEALER).select_related("parent_dealer")
    assert sub_dealers.count() == demo.CI_SUB_DEALERS
    for sub in sub_dealers:
        assert sub.parent_dealer.kind == OrganisationKind.DEALER
    assert orgs.filter(holding__isnull=False).count() >= 60
    moscow = orgs.filter(region__code__in=["77", "50"]).count()
    assert 0.15 < moscow / demo.CI_ORGANISATIONS < 0.25
    assert orgs.filter(owner__username="manager").count() >= 100
    assert orgs.filter(org_unit__isnull=False).count() > 0


def test_ci_seed_children_are_valid(seeded):
    assert 2500 < Contact.objects.count() < 3500
    for contact in Contact.objects.all():
        assert contact.last_name
        assert contact.first_name
        assert contact.middle_name
        for phone in (contact.phone, contact.mobile):
            assert not phone or E164.match(phone), phone
    for account in BankAccount.objects.all():
        requisites.check_bank_account(account.account, account.bik)
        requisites.check_corr_account(account.corr_account, account.bik)
    assert 900 < BankAccount.objects.count() < 1200
    assert Interaction.objects.count() > 1800


def test_the_planted_organisation(seeded):
    org = Organisation.objects.get(name="Ромашка-Авто")
    assert org.owner.username == "manager"
    assert org.region.code == "77"
    assert org.phone == "+74951234567"
    check_organisation(org)
    contact = org.contacts.get(last_name="Иванова", first_name="Мария")
    assert contact.middle_name == "Петровна"
    assert contact.full_name == "Иванова Мария Петровна"


def test_manager_has_next_steps_today_overdue_and_upcoming(seeded):
    manager = User.objects.get(username="manager")
    today = timezone.localdate()
    pending = Interaction.objects.filter(author=manager, next_step_done=False)
    assert pending.filter(next_step_date=today).count() >= 3
    assert pending.filter(next_step_date__lt=today).count() >= 3
    assert pending.filter(next_step_date__gt=today).count() >= 3
    assert pending.filter(organisation__owner=manager).count() == pending.count()


def test_seed_twice_changes_no_counts_and_writes_no_audit_events(seeded):
    first = row_counts()
    # and the five counterparties the demo's 1C has that the CRM had not (its first sync)
    assert first["clients.Organisation"] == demo.CI_ORGANISATIONS + 5
    call_command("seed_demo", quiet=True)
    assert row_counts() == first


def test_agenda_moves_pending_steps_back_to_today(seeded):
    manager = User.objects.get(username="manager")
    today = timezone.localdate()
    steps = Interaction.objects.filter(author=manager, subject__startswith=demo.AGENDA_SUBJECT)
    steps.update(next_step_date=today - timedelta(days=30))
    call_command("seed_demo", quiet=True)
    assert steps.filter(next_step_date=today).count() == 3


def load_bench():
    with audit_context(source=Source.SYSTEM, channel=Channel.TASK, command="test"):
        return demo.load_bench_rows(**BENCH)


def test_bench_loader_copies_valid_rows_without_audit_events(seeded):
    before = row_counts()
    counts = load_bench()
    assert counts["bench_organisations"] == BENCH["organisations"]
    orgs = Organisation.objects.filter(erp_key__startswith=demo.BENCH_PREFIX)
    assert orgs.count() == BENCH["organisations"]
    for org in orgs[:300]:
        check_organisation(org)
    contacts = Contact.objects.filter(organisation__erp_key__startswith=demo.BENCH_PREFIX)
    assert contacts.count() == BENCH["contacts"]
    assert not contacts.exclude(mobile="").exclude(mobile__regex=r"^\+7\d{10}$").exists()
    banks = BankAccount.objects.filter(organisation__erp_key__startswith=demo.BENCH_PREFIX)
    assert banks.count() == BENCH["bank_accounts"]
    for account in banks[:200]:
        requisites.check_bank_account(account.account, account.bik)
    interactions = Interaction.objects.filter(organisation__erp_key__startswith=demo.BENCH_PREFIX)
    assert interactions.count() == BENCH["interactions"]
    # An interaction's contact works at its organisation.
    assert (
        not interactions.filter(contact__isnull=False)
        .exclude(contact__organisation=F("organisation"))
        .exists()
    )
    bench_users = User.objects.filter(username__startswith=demo.BENCH_USER_PREFIX)
    assert bench_users.count() == BENCH["users"]
    assert not bench_users.filter(position__isnull=True).exists()
    assert not bench_users.filter(manager__isnull=True).exists()
    assert set(bench_users.values_list("groups__name", flat=True)) == {"sales_manager"}
    assert orgs.filter(owner__username__startswith=demo.BENCH_USER_PREFIX).count() > 1000
    after = row_counts()
    # The bulk load wrote no audit events.
    for label in (
        "clients.OrganisationEvent",
        "clients.ContactEvent",
        "clients.InteractionEvent",
        "clients.BankAccountEvent",
    ):
        assert after[label] == before[label], label
    load_bench()
    assert row_counts() == after
