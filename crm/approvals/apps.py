from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "crm.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from crm.approvals import access, notify  # noqa: F401 (row rules; notification events)
        from crm.approvals.services import staff_edit_gate
        from crm.core import records
        from crm.core.generic import detail

        if staff_edit_gate not in records.WRITE_GATES:
            records.WRITE_GATES.append(staff_edit_gate)
        from crm.approvals.services import Proposals

        records.PROPOSALS = Proposals()
        detail.register_card_panel("approvals/includes/pending_panel.html", pending_panel)


def pending_panel(user, obj) -> dict | None:
    """The card's "pending approval" panel: open requested values of the record."""
    from crm.approvals.services import pending_for
    from crm.core import access

    visible = access.visible_fields(user, type(obj))  # a hidden field's values never show
    items = [item for item in pending_for(obj) if item.field in visible]
    return {"items": items, "model": type(obj)} if items else None
