"""Writes and reads about outlets used by pages, the API and tasks."""

from django.db import transaction
from django.db.models import Q

from crm.core import access
from crm.core.lookups import PatternMatch, like_pattern
from crm.outlets.models import Outlet, OutletPhoto


def outlet_search(queryset, text: str, user):
    """Outlets whose name or address contains the text, newest first.

    Trigram indexes find the matches; the newest-first order walks the primary key backwards
    and stops at the page's 51st match, so a word in a sixth of 600,000 names costs about a
    millisecond (in name order it cost 250 ms: the walk skipped every name sorting before the
    first match). A click on a column header sorts the results by it.
    """
    return outlet_search_with(queryset, *outlet_search_parameters(text, user))


def outlet_search_parameters(text: str, user) -> tuple[tuple, tuple]:
    """The outlet search as (shape, values): the fields searched, and the LIKE pattern of the
    text (a list keeps the statement per shape, ADR 0021)."""
    fields = ("name", "address") if "address" in access.visible_fields(user, Outlet) else ("name",)
    return fields, (like_pattern("icontains", text),)


def outlet_search_with(queryset, shape: tuple, values: tuple):
    condition = Q()
    for field in shape:
        condition |= Q(PatternMatch(field, "icontains", values[0]))
    return queryset.filter(condition).order_by("-pk")


def locate_later(outlet: Outlet) -> None:
    """Queue geocoding of the outlet's address (after the transaction commits)."""
    from django.conf import settings

    if not settings.GEOCODER:
        return
    from integrations.geocoding.service import geocode_record_later

    geocode_record_later(
        outlet,
        address_field="address",
        lat_field="latitude",
        lon_field="longitude",
        precision_field="geo_precision",
    )


def locate_imported(created: list[Outlet], updated: list[tuple[Outlet, list[str]]]) -> None:
    """After an import wrote a chunk: queue geocoding of new outlets with an address and of
    outlets whose address changed, in batches (ImportSpec.after_write)."""
    from django.conf import settings

    if not settings.GEOCODER:
        return
    from integrations.geocoding.service import geocode_records_later

    pks = [o.pk for o in created if o.address] + [
        o.pk for o, names in updated if "address" in names
    ]
    if pks:
        geocode_records_later(
            Outlet,
            pks,
            address_field="address",
            lat_field="latitude",
            lon_field="longitude",
            precision_field="geo_precision",
        )


@transaction.atomic
def photo_add(user, outlet: Outlet, upload, caption: str = "") -> OutletPhoto:
    photo = OutletPhoto(
        outlet=outlet,
        caption=caption,
        content_type=upload.sniffed_type,
        size=upload.size,
        uploaded_by=user,
    )
    photo.image.save(upload.name, upload, save=False)
    photo.save()
    return photo


def photo_delete(user, photo: OutletPhoto) -> None:
    name = photo.image.name
    storage = photo.image.storage
    with transaction.atomic():
        photo.delete()
        transaction.on_commit(lambda: storage.delete(name))


def locate_changed_address(sender, instance, created, update_fields=None, **kwargs):
    """post_save of an outlet: a new address, or one changed by a save that names its fields
    (the record services, approvals, conflicts), is located by the geocoder, unless the same
    save set the point by hand."""
    if created:
        changed = bool(instance.address) and instance.latitude is None
    else:
        fields = set(update_fields or ())
        changed = "address" in fields and not ({"latitude", "longitude"} & fields)
    if changed:
        locate_later(instance)
