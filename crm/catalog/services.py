"""Writes of the catalogue beyond the generic record path (crm.core.records)."""

from crm.core import access, records


def catalog_record_set_active(user, obj, *, active: bool):
    """Archive (make inactive) or restore a catalogue record, as an audited versioned update."""
    if "is_active" not in access.editable_fields(user, type(obj)):
        raise records.access_denied()
    return records.record_update(user, obj, data={"is_active": active}, expected_version=None)
