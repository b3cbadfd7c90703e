"""A release that adds permissions grants them to the standard roles of existing installations
(whose roles already hold the app's other defaults) through a migration operation."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from crm.accounts.signals import grant_new_permissions

pytestmark = pytest.mark.django_db


def _imports(role):
    return set(
        Group.objects.get(name=role)
        .permissions.filter(content_type__app_label="catalog", codename__startswith="import_")
        .values_list("codename", flat=True)
    )


def test_roles_that_had_the_app_get_the_new_permissions_of_their_defaults():
    head = Group.objects.get(name="head_of_sales")
    head.permissions.remove(*head.permissions.filter(codename__startswith="import_"))
    assert _imports("head_of_sales") == set()  # an installation from before the release
    operation = grant_new_permissions("catalog", ("import_product", "import_brand"))
    operation.code(apps, None)
    assert _imports("head_of_sales") == {"import_product", "import_brand"}
    # the sales manager's defaults hold no import permission: nothing is added
    assert _imports("sales_manager") == set()
