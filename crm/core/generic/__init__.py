"""Generic views: list, card, create/edit, archive/delete, bulk edit, bulk reassign and the
search behind a form's picker.

Every view here is a ``ScopedView``: it must name a model (or it cannot be built), derives the
model permission from its action (403 without it), and reads rows only through
``crm.core.access.restrict`` (an out-of-scope object is a 404). Field policies shape every
output: columns, filters, sorting, search, cards, forms, exports and history.
"""

from crm.core.generic.base import (
    COUNT_CAP,
    OFFSET_LIMIT,
    PAGE_SIZES,
    ScopedView,
    SectionIndexView,
    capped_count,
    estimated_count,
)
from crm.core.generic.detail import ObjectDetailView, history_of
from crm.core.generic.edit import (
    BulkEditView,
    BulkReassignView,
    ObjectArchiveView,
    ObjectDeleteView,
    ObjectEditView,
    apply_field_policy,
)
from crm.core.generic.lists import ExportProgressView, ObjectListView
from crm.core.generic.pickers import ChoiceSearchView

__all__ = [
    "COUNT_CAP",
    "OFFSET_LIMIT",
    "PAGE_SIZES",
    "BulkEditView",
    "BulkReassignView",
    "ChoiceSearchView",
    "ExportProgressView",
    "ObjectArchiveView",
    "ObjectDeleteView",
    "ObjectDetailView",
    "ObjectEditView",
    "ObjectListView",
    "ScopedView",
    "SectionIndexView",
    "apply_field_policy",
    "capped_count",
    "estimated_count",
    "history_of",
]
