"""factory_boy factories for the sales ledger's tests: organisations, outlets, the catalogue
records lines point to, payment forms and plans."""

from decimal import Decimal

import factory

from crm.catalog.models import Product, ProductGroup
from crm.clients.models import Organisation, OrganisationKind, OrganisationStatus
from crm.outlets.models import Outlet
from crm.refs.models import PaymentForm, UnitOfMeasure
from crm.sales.choices import Flow, PeriodKind
from crm.sales.models import Plan


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A client; use DealerFactory or SubDealerFactory for resellers."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Организация {n}")
    status = OrganisationStatus.ACTIVE


class DealerFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Дилер {n}")
    kind = OrganisationKind.DEALER


class SubDealerFactory(OrganisationFactory):
    """A sub-dealer in its dealer's region, with its dealer's manager unless told otherwise."""

    name = factory.Sequence(lambda n: f"Субдилер {n}")
    kind = OrganisationKind.SUB_DEALER
    parent_dealer = factory.SubFactory(DealerFactory)
    region = factory.LazyAttribute(lambda o: o.parent_dealer.region)
    owner = factory.LazyAttribute(lambda o: o.parent_dealer.owner)


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    dealer = factory.SubFactory(DealerFactory)
    name = factory.Sequence(lambda n: f"Точка {n}")
    region = factory.LazyAttribute(lambda o: o.dealer.region)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitOfMeasure
        django_get_or_create = ("code",)

    code = "796"
    symbol = "шт"
    name = "Штука"


class ProductGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductGroup

    name = factory.Sequence(lambda n: f"Группа {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Товар {n}")
    group = factory.SubFactory(ProductGroupFactory)
    unit = factory.SubFactory(UnitFactory)


class PaymentFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentForm

    name = factory.Sequence(lambda n: f"Форма оплаты {n}")


class PlanFactory(factory.django.DjangoModelFactory):
    """A sell-out plan; give exactly one target (outlet, organisation, target_region,
    target_org_unit) and a product group."""

    class Meta:
        model = Plan

    period_kind = PeriodKind.QUARTER
    flow = Flow.SELL_OUT
    quantity = Decimal("100")
    amount = Decimal("100000")
