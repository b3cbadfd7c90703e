"""API key authentication: ``Authorization: Api-Key <prefix>.<secret>`` (see ApiKey)."""

import hmac
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from crm.core.audit import audit_context_add
from crm.core.models import ApiKey

KEYWORD = "Api-Key"
# last_used_at is written at most this often per key, so busy integrations do not write a row
# on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates as the key's service user; request.auth is the ApiKey."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, raw_key = header.partition(" ")
        if keyword != KEYWORD:
            return None
        raw_key = raw_key.strip()
        prefix = raw_key.split(".", 1)[0]
        key = ApiKey.objects.active().select_related("user").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.key_hash, ApiKey.hash_key(raw_key)):
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired API key."))
        if not key.user.is_active:
            raise exceptions.AuthenticationFailed(_("The API key's service user is disabled."))
        self._touch(key)
        audit_context_add(user=key.user.pk, username=key.user.get_username(), api_key=key.prefix)
        return key.user, key

    def authenticate_header(self, request):
        return KEYWORD

    @staticmethod
    def _touch(key: ApiKey) -> None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "crm.core.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Api-Key <prefix>.<secret>",
        }
