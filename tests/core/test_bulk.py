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


def test_the_fast_constructor_makes_what_the_model_makes():
    """instance_maker gives the same unsaved instance as Model(**values): every field at its
    default, fresh mutable defaults, the given values by attribute name; it refuses a name the
    model has not, as the model does."""
    from crm.clients.models import Organisation
    from crm.core.models import SavedView

    make = bulk.instance_maker(Organisation)
    values = {"name": "Ромашка", "inn": "7707083893", "region_id": 5, "owner_id": None}
    fast, slow = make(values), Organisation(**values)
    for field in Organisation._meta.concrete_fields:
        if callable(field.default):  # created_at = now(): a moment apart
            assert type(getattr(fast, field.attname)) is type(getattr(slow, field.attname))
        else:
            assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
    assert fast._state.adding
    assert fast._state.db is None
    assert fast.pk is None
    fast.region_id = 6  # the relation's descriptors work as on any instance
    assert fast.region_id == 6

    views = bulk.instance_maker(SavedView)
    first, second = views({}), views({})
    assert first.columns == []
    assert first.columns is not second.columns
    assert first.created_at is not None  # a callable default is called per instance
    with pytest.raises(TypeError):
        make({"region": 5})


def test_fetched_instances_equal_the_orms(make_user):
    """fetch_instances reads what iterating the queryset reads, and falls back to it for a
    queryset it cannot reproduce (here: an annotation)."""
    from django.db.models import F

    from crm.clients.models import Organisation

    region = RegionFactory()
    for i in range(3):
        Organisation.objects.create(
            name=f"Ромашка {i}", region=region, owner=make_user(), notes="заметка\tс табуляцией"
        )
    queryset = Organisation.objects.order_by("pk")
    fast, orm = bulk.fetch_instances(queryset), list(queryset)
    assert [o.pk for o in fast] == [o.pk for o in orm]
    for a, b in zip(fast, orm, strict=True):
        for field in Organisation._meta.concrete_fields:
            assert getattr(a, field.attname) == getattr(b, field.attname), field.name
        assert a._state.adding is False
        assert a._state.db == "default"
        assert a.region == b.region  # relations load as on any instance
    annotated = bulk.fetch_instances(queryset.annotate(twice=F("version") * 2))
    assert [o.twice for o in annotated] == [o.version * 2 for o in orm]


def test_fetched_instances_with_related_rows_and_deferred_columns_equal_the_orms(
    make_user, django_assert_num_queries
):
    """A list page's query: only() some columns, select_related() a nullable key and a
    relation of a relation; the slice is the page."""
    from crm.clients.models import Contact, Organisation

    region = RegionFactory()
    with_all = Organisation.objects.create(name="Ромашка", region=region, owner=make_user())
    bare = Organisation.objects.create(name="Лютик")  # no region, no owner: outer joins
    for organisation in (with_all, bare, with_all):
        Contact.objects.create(organisation=organisation, last_name="Иванова", first_name="Мария")
    queryset = (
        Contact.objects.order_by("pk")
        .select_related("organisation", "organisation__region", "organisation__owner")
        .only(
            "pk",
            "last_name",
            "organisation__name",
            "organisation__region__name",
            "organisation__owner__username",
        )
    )
    with django_assert_num_queries(1):
        fast = bulk.fetch_instances(queryset[:3])
    orm = list(queryset[:3])
    assert [c.pk for c in fast] == [c.pk for c in orm]
    with django_assert_num_queries(0):
        for a, b in zip(fast, orm, strict=True):
            assert a.last_name == b.last_name
            assert a.get_deferred_fields() == b.get_deferred_fields()
            assert a.organisation.name == b.organisation.name
            assert a.organisation.get_deferred_fields() == b.organisation.get_deferred_fields()
            assert a.organisation._state.adding is False
            region_a, region_b = a.organisation.region, b.organisation.region
            assert (region_a and region_a.name) == (region_b and region_b.name)
            owner_a, owner_b = a.organisation.owner, b.organisation.owner
            assert (owner_a and owner_a.username) == (owner_b and owner_b.username)
    assert fast[1].organisation.region is None
    assert fast[0].organisation.region.pk == region.pk
    with django_assert_num_queries(1):  # a deferred column loads on first use, as always
        assert fast[0].first_name == "Мария"
    assert bulk.fetch_instances(Contact.objects.filter(pk__in=[])) == []
    union = Contact.objects.filter(pk=fast[0].pk).union(Contact.objects.filter(pk=fast[1].pk))
    assert sorted(c.pk for c in bulk.fetch_instances(union)) == sorted(c.pk for c in fast[:2])
    assert [c.pk for c in bulk.fetch_instances(queryset.prefetch_related("interactions"))] == [
        c.pk for c in orm
    ]


def test_any_finds_what_in_finds(make_user):
    """The import engine matches its keys with ``__any`` (crm.core.lookups)."""
    from crm.clients.models import Organisation

    region = RegionFactory()
    names = ["Ромашка", "Лютик", "O'Брайен"]
    for name in names:
        Organisation.objects.create(name=name, region=region, owner=make_user())
    wanted = ["Лютик", "O'Брайен", "нет такой"]
    found = Organisation.objects.filter(name__any=wanted)
    assert sorted(found.values_list("name", flat=True)) == sorted(wanted[:2])
    assert Organisation.objects.filter(region__any=[region.pk]).count() == 3
    # no cast to the column's varchar(n): a longer value is not cut down to a match
    longest = Organisation._meta.get_field("name").max_length
    Organisation.objects.create(name="Л" * longest, region=region, owner=make_user())
    assert not Organisation.objects.filter(name__any=["Л" * (longest + 1)]).exists()


def test_fields_update_writes_plain_and_other_columns_exactly(make_user):
    """Plain columns travel as arrays (unnest), others (an array field here) as VALUES rows:
    both arrive exactly, NULLs and awkward text included, and versions go up."""
    from django.utils import timezone

    from crm.clients.models import Organisation
    from crm.core.imports.engine import fields_update
    from crm.core.models import SavedView

    region, owner = RegionFactory(), make_user()
    orgs = [
        Organisation.objects.create(name=f"Ромашка {i}", region=region, owner=owner)
        for i in range(len(AWKWARD))
    ]
    other = RegionFactory()
    for org, text in zip(orgs, AWKWARD, strict=True):
        org.notes, org.region_id = text, other.pk
    orgs[0].holding_id = None
    before = {o.pk: o.version for o in orgs}
    now = timezone.now()
    fields_update(Organisation, orgs, ["notes", "region", "holding"], now=now)
    for org in Organisation.objects.filter(pk__in=before):
        assert org.notes == AWKWARD[[o.pk for o in orgs].index(org.pk)]
        assert org.region_id == other.pk
        assert org.version == before[org.pk] + 1
        assert org.updated_at == now

    views = [SavedView.objects.create(user=owner, list_key="k", name=f"v{i}") for i in range(2)]
    views[0].columns, views[1].columns = ["name", "tab\there"], []
    fields_update(SavedView, views, ["columns", "name"], now=now, bump_version=False)
    assert [v.columns for v in SavedView.objects.order_by("pk")] == [["name", "tab\there"], []]
