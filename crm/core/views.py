"""Health endpoints for load balancers and monitoring (/healthz, /readyz) and the global
search (/search/)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import render
from django.views import View
from django.views.decorators.cache import never_cache

from crm.core import health, search


@never_cache
def healthz(request):
    """The process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Ready to serve: database, Redis and at least one Celery worker answer."""
    checks = health.readiness()
    ok = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


SUGGESTIONS_TARGET = "global-search-suggestions"


class GlobalSearchView(LoginRequiredMixin, View):
    """The search box in the top bar: the results page, or the dropdown of suggestions for
    HTMX. Each group reads its rows through access.restrict (crm.core.search)."""

    def get(self, request):
        text = request.GET.get("q", "")
        suggest = bool(request.htmx) and request.htmx.target == SUGGESTIONS_TARGET
        limit = search.SUGGEST_LIMIT if suggest else search.PAGE_LIMIT
        context = {
            "search_text": search.clean(text),
            "global_search_text": search.clean(text),
            "groups": search.search(request.user, text, limit=limit),
            "too_short": search.parse(text) is None,
            "min_length": search.MIN_LENGTH,
        }
        if suggest:
            return render(request, "search/includes/suggestions.html", context)
        return render(request, "search/results.html", context)
