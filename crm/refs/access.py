"""Dictionaries are reference data: every logged-in user may read them (filters, forms);
only administrators change them, in Django admin."""

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
    models.OutletFormat,
    models.UnitOfMeasure,
    models.Bank,
    models.PaymentForm,
    models.Warehouse,
)

for _model in DICTIONARIES:
    access.register(_model)(type(f"{_model.__name__}Access", (access.ReferenceData,), {}))
