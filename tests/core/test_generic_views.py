"""The generic views fail closed: a scoped view without a model cannot even be routed."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from crm.core.generic import ObjectListView


def test_a_scoped_view_without_a_model_cannot_be_built():
    class Careless(ObjectListView):
        pass

    with pytest.raises(ImproperlyConfigured, match="must declare its model"):
        Careless.as_view()
