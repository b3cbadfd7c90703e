"""Typed 1C OData errors: ``message`` is for people (translatable), ``detail`` is for the log.

The nightly sync shows ``message`` and logs ``detail``; ``onec_message`` is the text 1C itself put
into its ``odata.error`` body ("" when the body was HTML or empty, as on a 401).
"""

from django.utils.translation import gettext_lazy as _


class OneCError(Exception):
    """A 1C OData request that failed; the subclass says why."""

    message = _("The exchange with 1C failed.")

    def __init__(
        self,
        message=None,
        *,
        detail: str = "",
        status: int | None = None,
        onec_message: str = "",
    ):
        if message is not None:
            self.message = message
        self.detail = detail  # what happened on the wire; never shown to people
        self.status = status  # the HTTP status, None for network errors and timeouts
        self.onec_message = onec_message
        super().__init__(detail)

    def __str__(self) -> str:
        # Evaluated late, so that raising needs no active translation.
        return f"{self.message} ({self.detail})" if self.detail else str(self.message)


class OneCAuthError(OneCError):
    """401 or 403: never retried, a wrong password does not get better by asking again."""

    message = _("1C refused the user name or password, or the user has no rights.")


class OneCNotFound(OneCError):  # noqa: N818 (the names the sync is written against)
    """404: the entity set is unknown or not in the OData composition of the base."""

    message = _(
        "1C does not publish this object through OData: check its name and the OData "
        "composition set up in 1C."
    )


class OneCBadRequest(OneCError):  # noqa: N818
    """400: 1C could not parse the query (usually ``$filter``); a bug on our side."""

    message = _("1C could not process the request: check the filter and the field names.")


class OneCUnavailable(OneCError):  # noqa: N818
    """Network error, timeout or 5xx, still failing after the retries."""

    message = _("1C is not answering right now: try again later.")


class OneCBadAnswer(OneCError):  # noqa: N818
    """200 with a body that is not the expected JSON or XML (a proxy's login page, say)."""

    message = _("1C sent an answer that could not be read.")
