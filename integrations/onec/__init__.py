"""1C integration: a thin client for the standard OData interface and a fake 1C server."""
