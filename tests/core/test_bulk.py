"""COPY-based bulk writes (crm.core.bulk): values arrive exactly, new rows get their keys,
history is recorded with the writer's context, and a refused row raises Django's error."""

import pytest
from django.db import IntegrityError, transaction

from crm.core import bulk
from crm.core.audit import audit_context
from crm.core.choices import Channel, Source
from crm.refs.models import Country, FederalDistrict, Region
from tests.factories import RegionFactory

pytestmark = pytest.mark.django_db

AWKWARD = ["\\N", "tab\there", "two\nlines", "back\\slash", "cr\rlf", "", "«Ромашка»"]


def test_awkward_values_arrive_exactly_and_rows_get_their_keys(make_user):
    district = RegionFactory().district
    regions = [
        Region(name=name, code=f"9{i}", district=district, is_active=bool(i % 2))
        for i, name in enumerate(AWKWARD)
    ]
    actor = make_user()
    with (
        transaction.atomic(),
        audit_context(source=Source.STAFF, channel=Channel.IMPORT, user=actor, import_job=7),
    ):
        bulk.insert_objects(Region, regions)
    assert all(r.pk for r in regions)
    stored = {r.pk: r for r in Region.objects.filter(pk__in=[r.pk for r in regions])}
    for region in regions:
        assert stored[region.pk].name == region.name
        assert stored[region.pk].is_active == region.is_active
    events = Region.pgh_event_model.objects.filter(pgh_obj_id__in=[r.pk for r in regions])
    assert events.count() == len(AWKWARD)
    for event in events.select_related("pgh_context"):
        assert event.pgh_context.metadata["channel"] == "import"
        assert event.pgh_context.metadata["user"] == actor.pk


def test_nulls_and_json_round_trip():
    country = Country(name="Страна", iso_code="ZZ", external_code="")
    bulk.insert_objects(Country, [country])
    district = FederalDistrict(name="Округ", country=country)
    bulk.insert_objects(FederalDistrict, [district])
    assert FederalDistrict.objects.get(pk=district.pk).country == country
    assert bulk.encode(None) == "\\N"
    assert bulk.encode({"a": "x\ty"}) == '{"a": "x\\\\ty"}'


def test_a_refused_row_raises_djangos_integrity_error():
    existing = RegionFactory()
    clash = Region(name="Дубль", code=existing.code, district=existing.district)
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_objects(Region, [clash])
