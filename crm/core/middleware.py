"""Request id and audit context for every request."""

import contextvars
import logging
import re
import uuid

from crm.core.audit import audit_context
from crm.core.choices import Channel

_request_id = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdLogFilter(logging.Filter):
    """Puts the current request id on every log record."""

    def filter(self, record):
        record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Takes a well-formed X-Request-ID from the proxy or makes one; echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class AuditContextMiddleware:
    """Every write in a request is audited with its user, source, channel and request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from crm.accounts.roles import source_for_user

        user = request.user if request.user.is_authenticated else None
        channel = Channel.API if request.path.startswith("/api/") else Channel.WEB
        with audit_context(
            source=source_for_user(user),
            channel=channel,
            user=user,
            request_id=request.id,
            url=request.path[:500],
            method=request.method,
        ):
            return self.get_response(request)
