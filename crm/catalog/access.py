"""Who sees and changes the catalogue (the app's only visibility rule).

The catalogue is reference data for staff: the model permission decides everything (whoever
may view products sees every product; whoever may change them changes any of them). There is
no territory in a catalogue, so the row rule selects every row.
"""

from django.db.models import Q

from crm.catalog import models
from crm.core import access


class CatalogData(access.ModelAccess):
    """Every row, for users holding the model permission of the action."""

    def view(self, scope, f):
        return Q()


CATALOG_MODELS = (
    models.ProductGroup,
    models.Brand,
    models.Series,
    models.Product,
    models.PriceList,
    models.PriceListItem,
)

for _model in CATALOG_MODELS:
    access.register(_model)(type(f"{_model.__name__}Access", (CatalogData,), {}))
