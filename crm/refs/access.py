"""Dictionaries are reference data: every logged-in user may read them (filters, forms);
only administrators change them, in Django admin."""

from django.db.models import Q

from crm.core import access
from crm.refs import models

DICTIONARIES = (
    models.Country,
    models.FederalDistrict,
    models.Region,
    models.City,
    models.ClientType,
    models.ClientCategory,
    models.SalesChannel,
    models.LeadSource,
)


class DictionaryAccess(access.ModelAccess):
    requires_permission = False
    policy_fields = ()

    def view(self, scope, f):
        return Q()

    def change(self, scope, f):
        return access.NOTHING


for _model in DICTIONARIES:
    access.register(_model)(type(f"{_model.__name__}Access", (DictionaryAccess,), {}))
