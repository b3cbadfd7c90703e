"""The registry of notification event types; each feature registers its own."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from crm.notifications.models import Delivery


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    default_delivery: str = Delivery.BOTH
    # templates/notifications/email/<template>.txt and .html; "generic" fits most events.
    email_template: str = "generic"


_REGISTRY: dict[str, EventType] = {}


def register(event: EventType) -> EventType:
    _REGISTRY[event.key] = event
    return event


def get(key: str) -> EventType:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"Unknown notification event type {key!r}") from None


def all_event_types() -> list[EventType]:
    return sorted(_REGISTRY.values(), key=lambda e: e.key)


DOWNLOAD_READY = register(
    EventType("download.ready", _("A file you asked for is ready"), Delivery.APP)
)
PASSWORD_CHANGED = register(
    EventType("account.password_changed", _("Your password was changed"), Delivery.BOTH)
)
ANNOUNCEMENT = register(
    EventType("system.announcement", _("Announcements from administrators"), Delivery.BOTH)
)
