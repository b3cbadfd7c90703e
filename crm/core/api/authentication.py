"""API key authentication: ``Authorization: Api-Key <key>``; see crm.core.models.ApiKey."""
