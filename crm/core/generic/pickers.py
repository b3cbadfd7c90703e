"""The server side of a picker (``crm.core.forms.SearchSelect``): records a form offers that
match what the user typed, as JSON for static/crm/js/pickers.js."""

from django.http import JsonResponse

from crm.core.generic.base import ScopedView

MAX_TEXT = 100  # characters of the typed text looked at


class ChoiceSearchView(ScopedView):
    """Declared per choice set: ``choices()`` is the form field's queryset (the same selector,
    so what is offered is what validates), ``search()`` narrows it by the typed text.

    Answers ``{"results": [{"value", "text", "detail"}], "more": bool}``: the first ``LIMIT``
    by ``ordering``, those matching ``?q=`` once something is typed. ``detail`` tells apart
    records of the same name (an INN, a region) and shows only fields the user may see.
    """

    LIMIT = 20
    ordering = ("name", "pk")

    def choices(self):
        raise NotImplementedError

    def search(self, queryset, text: str):
        raise NotImplementedError

    def label(self, obj) -> str:
        return str(obj)

    def detail(self, obj) -> str:
        return ""

    def get(self, request, *args, **kwargs):
        text = " ".join(request.GET.get("q", "").split())[:MAX_TEXT]
        queryset = self.choices()
        if text:
            queryset = self.search(queryset, text)
        found = list(queryset.order_by(*self.ordering)[: self.LIMIT + 1])
        results = [
            {"value": str(obj.pk), "text": self.label(obj), "detail": self.detail(obj)}
            for obj in found[: self.LIMIT]
        ]
        return JsonResponse({"results": results, "more": len(found) > self.LIMIT})
