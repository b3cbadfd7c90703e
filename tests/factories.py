"""factory_boy factories for the records tests need."""

import factory
from django.contrib.auth.models import Group

from crm.accounts.models import OrgUnit, OrgUnitKind, Position, User
from crm.refs.models import City, Country, FederalDistrict, Region

TEST_PASSWORD = "correct-horse-battery-9"


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("iso_code",)

    name = "Россия"
    iso_code = "RU"


class FederalDistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FederalDistrict

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"Федеральный округ {n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    district = factory.SubFactory(FederalDistrictFactory)
    name = factory.Sequence(lambda n: f"Регион {n}")
    code = factory.Sequence(lambda n: f"{n % 1000:03d}")


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"Город {n}")


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    name = factory.Sequence(lambda n: f"Подразделение {n}")
    kind = OrgUnitKind.OFFICE


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    name = factory.Sequence(lambda n: f"Должность {n}")
    org_unit = factory.SubFactory(OrgUnitFactory)


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a known password; pass role="sales_manager" to put them in that group."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Иван"
    last_name = factory.Sequence(lambda n: f"Иванов{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])
        if create:
            self.save()
