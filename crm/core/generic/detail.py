"""The card: sections, tabs, related lists and the history from the audit trail."""

from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.core import access, records
from crm.core.audit import recorded_fields
from crm.core.choices import Channel, Source
from crm.core.generic.base import ScopedView

RELATED_LIMIT = 200  # rows a card's tab shows; the full list is one click away

# Panels other apps add above every card: (template, callable(user, obj) → context or None).
# The approvals app shows the values awaiting approval this way.
_CARD_PANELS: list[tuple[str, object]] = []


def register_card_panel(template: str, build) -> None:
    if all(existing != template for existing, _build in _CARD_PANELS):
        _CARD_PANELS.append((template, build))


def card_panels(user, obj) -> list[tuple[str, dict]]:
    panels = []
    for template, build in _CARD_PANELS:
        context = build(user, obj)
        if context:
            panels.append((template, context))
    return panels


class ObjectDetailView(ScopedView):
    """A card: the fields the user may see in sections, related lists as tabs, and history."""

    template_name = "generic/object_detail.html"
    sections: list[tuple[str, list[str]]] = []
    select_related: tuple[str, ...] = ()
    # field name → callable(obj) giving its display (e.g. a formatted phone)
    displays: dict = {}

    def get(self, request, pk, *args, **kwargs):
        obj = access.get_for_user(
            self.model._default_manager.select_related(*self.select_related), request.user, pk=pk
        )
        tab = request.GET.get("tab", "overview")
        context = {
            "object": obj,
            "opts": self.opts,
            "list_url": self.list_url(),
            "tab": tab,
            "tabs": self.tabs(obj),
            "sections": self.visible_sections(obj) if tab == "overview" else [],
            "can_change": self.can(obj, "change"),
            "can_delete": self.can(obj, "delete"),
            "card_panels": card_panels(request.user, obj),
        }
        if tab == "history":
            context["history"] = history_of(request.user, obj, displays=self.displays)
        context.update(self.extra_context(obj, tab))
        if request.htmx and request.htmx.target == "card-tab":
            return render(request, "generic/includes/card_tab.html", context)
        return render(request, self.template_name, context)

    def related(self, queryset, table_class, *, more_url=None, limit: int = RELATED_LIMIT):
        """A card tab listing related records through their own table and row rule: the first
        ``limit`` rows, and whether there are more (``more_url`` opens the full list)."""
        user = self.request.user
        table = table_class(user)
        fetched = list(table.narrow(access.restrict(queryset, user))[: limit + 1])
        return {
            "related_table": table,
            "related_rows": table.rows(fetched[:limit]),
            "related_more": len(fetched) > limit,
            "related_more_url": more_url,
        }

    def can(self, obj, action) -> bool:
        """Whether the user may ``action`` the record; asked once per request and action."""
        answers = self.__dict__.setdefault("_can", {})
        if (obj.pk, action) not in answers:
            answers[obj.pk, action] = access.can(self.request.user, obj, action)
        return answers[obj.pk, action]

    def tabs(self, obj) -> list[tuple[str, str]]:
        return [("overview", _("Overview")), ("history", _("History"))]

    def extra_context(self, obj, tab) -> dict:
        return {}

    def visible_sections(self, obj) -> list[dict]:
        visible = access.visible_fields(self.request.user, self.model)
        sections = []
        for title, names in self.sections:
            items = []
            for name in names:
                if name not in visible:
                    continue
                field = self.opts.get_field(name)
                show = self.displays.get(name)
                value = show(obj) if show else records.display(obj, field)
                items.append({"label": field.verbose_name, "value": value or "—"})
            if items:
                sections.append({"title": title, "items": items})
        return sections


def history_of(user, obj, limit: int = 200, displays=None) -> list[dict]:
    """The record's audit trail as a list of changes, newest first, in visible fields only."""
    displays = displays or {}
    events = list(obj.events.select_related("pgh_context").order_by("pgh_id")[:limit])
    names = _user_names(events)
    visible = access.visible_fields(user, type(obj)) - access.UNGOVERNED_FIELDS
    visible &= recorded_fields(type(obj))
    fields = [f for f in type(obj)._meta.concrete_fields if f.name in visible]
    entries, previous = [], None
    for event in events:
        changes = []
        for field in fields:
            after = getattr(event, field.attname)
            before = getattr(previous, field.attname) if previous is not None else None
            if previous is None and after in (None, "", False):
                continue
            if previous is None or before != after:
                show = displays.get(field.name) or (lambda row, f=field: records.display(row, f))
                changes.append(
                    {
                        "label": field.verbose_name,
                        "before": show(previous) if previous is not None else "",
                        "after": show(event),
                    }
                )
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        if changes or event.pgh_label != "update":
            entries.append(
                {
                    "when": event.pgh_created_at,
                    "label": event.pgh_label,
                    "who": names.get(metadata.get("user")) or metadata.get("username", ""),
                    "source": _label(Source, metadata.get("source")),
                    "channel": _label(Channel, metadata.get("channel")),
                    "changes": changes,
                }
            )
        previous = event
    return list(reversed(entries))


def _user_names(events) -> dict:
    ids = {e.pgh_context.metadata.get("user") for e in events if e.pgh_context}
    ids.discard(None)
    if not ids:
        return {}
    users = get_user_model().objects.filter(pk__in=ids)
    return {user.pk: str(user) for user in users.only("first_name", "last_name", "middle_name")}


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or ""
