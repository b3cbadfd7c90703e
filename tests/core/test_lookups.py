"""``field__any``: membership as one array parameter, and the row rules that use it for long
lists of ids select exactly the rows ``__in`` selects."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from crm.clients.models import Contact, Organisation
from crm.core import access
from crm.core.lookups import ANY_FROM, with_arrays

pytestmark = pytest.mark.django_db


def test_long_id_lists_become_arrays_and_short_ones_stay_in():
    team = list(range(100, 100 + ANY_FROM))
    condition = Q(region_id__in=[1, 2]) | ~Q(organisation__owner_id__in=set(team))
    rewritten = with_arrays(condition)
    assert rewritten.connector == condition.connector
    assert rewritten.children[0] == ("region_id__in", [1, 2])
    negated = rewritten.children[1]
    assert negated.negated
    assert negated.children == [("organisation__owner_id__any", team)]
    unchanged = Q(pk__in=[]) | Q(name__in=["a"] * ANY_FROM)  # empty; not ids
    assert with_arrays(unchanged) is unchanged


def test_any_selects_what_in_selects(make_user):
    owners = [make_user(username=f"owner{n}") for n in range(ANY_FROM + 2)]
    orgs = [
        Organisation.objects.create(name=f"Фирма {n}", owner=owner)
        for n, owner in enumerate(owners)
    ]
    orgs.append(Organisation.objects.create(name="Без менеджера"))
    for org in orgs:
        Contact.objects.create(organisation=org, last_name="Петров")
    team = [owner.pk for owner in owners[:-1]]

    def same(model, **lookup):
        (name, values), *_ = lookup.items()
        expected = set(model.objects.filter(**{name + "__in": values}).values_list("pk"))
        found = set(model.objects.filter(**{name + "__any": values}).values_list("pk"))
        assert found == expected
        excluded = set(model.objects.exclude(**{name + "__in": values}).values_list("pk"))
        kept = set(model.objects.exclude(**{name + "__any": values}).values_list("pk"))
        assert kept == excluded
        return expected

    assert len(same(Organisation, owner_id=team)) == len(team)
    assert len(same(Contact, organisation__owner_id=team)) == len(team)
    assert same(Organisation, pk=[]) == set()
    assert len(same(Organisation, name=[f"Фирма {n}" for n in range(3)])) == 3
    with CaptureQueriesContext(connection) as captured:
        list(Organisation.objects.filter(owner_id__any=team))
    assert "= ANY(" in captured.captured_queries[0]["sql"]


def test_a_rule_over_a_big_team_sends_one_array_and_keeps_its_rows(make_user):
    head = make_user(username="lead", role="regional_manager")
    team = [make_user(username=f"seller{n}", manager=head) for n in range(ANY_FROM + 1)]
    stranger = make_user(username="stranger")
    for n, seller in enumerate(team):
        Organisation.objects.create(name=f"Клиент {n}", owner=seller)
    Organisation.objects.create(name="Чужой клиент", owner=stranger)
    visible = access.restrict(Organisation.objects.all(), head)
    with CaptureQueriesContext(connection) as captured:
        names = set(visible.values_list("name", flat=True))
    assert names == {f"Клиент {n}" for n in range(len(team))}
    sql = captured.captured_queries[-1]["sql"]
    assert '"owner_id" = ANY(' in sql
    assert "Чужой клиент" not in names
