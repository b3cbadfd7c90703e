"""Writes on API keys: issue and revoke. The raw key exists only in the return value."""

from django.db import transaction
from django.utils import timezone

from crm.core.models import ApiKey


def api_key_set_new_secret(key: ApiKey) -> str:
    """Give an unsaved key a fresh prefix and hash; return the raw key to show once."""
    key.prefix, raw_key = ApiKey.generate()
    key.key_hash = ApiKey.hash_key(raw_key)
    return raw_key


@transaction.atomic
def api_key_create(actor, *, name: str, user, scopes: list[str], expires_at=None):
    """Issue a key for a service user; returns (key, raw key). Only the hash is stored."""
    key = ApiKey(name=name, user=user, scopes=list(scopes), expires_at=expires_at)
    raw_key = api_key_set_new_secret(key)
    key.full_clean()
    key.save()
    return key, raw_key


def api_key_revoke(actor, *, key: ApiKey) -> bool:
    """Revoke a key at once; False if it already was."""
    updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return bool(updated)
