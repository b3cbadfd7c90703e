"""Typed geocoding errors; ``message`` is shown to people, in their language."""

from django.utils.translation import gettext_lazy as _


class GeocodingError(Exception):
    """A geocoding request that gave no answer; ``retry_after`` is a hint in seconds."""

    default_message = _("The address could not be located.")
    retryable = False

    def __init__(self, detail: str = "", *, retry_after: float | None = None):
        super().__init__(detail or str(self.default_message))
        self.detail = detail
        self.retry_after = retry_after

    @property
    def message(self):
        return self.default_message


class NotConfigured(GeocodingError):  # noqa: N818
    default_message = _(
        "Geocoding is not set up. Ask an administrator to choose a geocoder and enter its key."
    )


class KeyRejected(GeocodingError):  # noqa: N818
    default_message = _(
        "The geocoder rejected our API key. Ask an administrator to check the key and its plan."
    )


class QueryRejected(GeocodingError):  # noqa: N818
    default_message = _("The geocoder could not process this address. Check the address text.")


class RateLimited(GeocodingError):  # noqa: N818
    default_message = _("The geocoder's request limit has been reached. Try again later.")
    retryable = True


class Unavailable(GeocodingError):  # noqa: N818
    default_message = _("The geocoder is not answering right now. Try again later.")
    retryable = True
