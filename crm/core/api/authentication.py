"""API key authentication: ``Authorization: Api-Key <prefix>.<secret>`` (see ApiKey)."""

import hmac
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from crm.core.audit import audit_context_add
from crm.core.models import ApiKey

KEYWORD = "Api-Key"
# last_used_at is written at most this often per key, so a busy integration does not write a
# row on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates as the key's service user; ``request.auth`` is the ApiKey."""

    def authenticate(self, request):
        keyword, _sep, raw_key = (
            authentication.get_authorization_header(request).decode("latin-1").partition(" ")
        )
        if keyword != KEYWORD:
            return None  # not ours: let session authentication try
        key = self._check(raw_key.strip())
        self._touch(key)
        audit_context_add(user=key.user.pk, username=key.user.get_username(), api_key=key.prefix)
        return key.user, key

    @staticmethod
    def _check(raw_key: str) -> ApiKey:
        """The key this secret belongs to, or AuthenticationFailed (HTTP 401) saying why."""
        prefix, dot, _secret = raw_key.partition(".")
        key = None
        if dot and len(prefix) == ApiKey.PREFIX_LENGTH:
            key = ApiKey.objects.select_related("user").filter(prefix=prefix).first()
        # The hash is compared even for an unknown prefix, so timing says nothing about it.
        expected = key.key_hash if key else "0" * 64
        if not hmac.compare_digest(expected, ApiKey.hash_key(raw_key)) or key is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if key.expires_at is not None and key.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed(_("This API key's user is disabled."))
        return key

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when credentials are missing or wrong.
        return KEYWORD

    @staticmethod
    def _touch(key: ApiKey) -> None:
        """Record the use, at most once per LAST_USED_RESOLUTION (one cheap UPDATE)."""
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_RESOLUTION)
            ).update(last_used_at=now)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Describes ApiKeyAuthentication in the OpenAPI schema (the Authorize button of Swagger)."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An integration's API key, issued in the admin: "
                "`Authorization: Api-Key <prefix>.<secret>`."
            ),
        }
