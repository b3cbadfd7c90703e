"""The generic views fail closed: a scoped view without a model cannot even be routed."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.core.generic import ObjectListView


def test_a_scoped_view_without_a_model_cannot_be_built():
    class Careless(ObjectListView):
        pass

    with pytest.raises(ImproperlyConfigured, match="must declare its model"):
        Careless.as_view()


@pytest.mark.django_db
def test_a_sections_bare_address_leads_to_its_list_for_those_who_may_see_it(
    client, sales_manager, make_user
):
    client.force_login(sales_manager)
    assert client.get("/clients/")["Location"] == "/clients/organisations/"
    assert client.get("/catalog/")["Location"] == "/catalog/products/"
    client.force_login(make_user(username="norole"))  # no role, no view permission
    assert client.get("/clients/").status_code == 403
    assert client.get("/clients/organisations/").status_code == 403
