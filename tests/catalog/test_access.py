"""Every catalogue model has a row rule: the permission matrix of tests/security covers the
apps it lists, so the catalogue checks itself here as well."""

import pghistory.models
import pytest
from django.apps import apps

from crm.catalog.access import CatalogData
from crm.core import access


def catalogue_models():
    return [
        model
        for model in apps.get_app_config("catalog").get_models()
        if not issubclass(model, pghistory.models.Event)
    ]


@pytest.mark.parametrize("model", catalogue_models(), ids=lambda m: m._meta.label)
def test_every_catalogue_model_has_the_catalogue_rule(model):
    rule = access.rule_for(model)
    assert isinstance(rule, CatalogData)
    assert rule.requires_permission  # reading the catalogue is a permission, not a given


@pytest.mark.django_db
def test_a_user_without_the_view_permission_gets_no_rows(catalog, nobody):
    from crm.catalog.models import Product

    assert not access.restrict(Product.objects.all(), nobody).exists()
