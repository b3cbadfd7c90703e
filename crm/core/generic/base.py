"""The base of every record view: the model permission and the row rule, fail closed; counts."""

import hashlib
import json

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connections
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views import View

from crm.core import access

PAGE_SIZES = (25, 50, 100)
COUNT_CAP = 1_000  # rows counted exactly; beyond it the planner's estimate is shown
# A search is counted to a lower cap: past a few hundred matches one types more, not pages.
SEARCH_COUNT_CAP = 200
OFFSET_LIMIT = 10_000  # rows one can page through; narrow the filter for the rest


class ScopedView(LoginRequiredMixin, View):
    """Base of every record view: model permission for ``action``, rows through the rule."""

    model = None
    action = "view"

    @classmethod
    def as_view(cls, **initkwargs):
        """Fail closed at start-up: a scoped view without a model cannot be routed."""
        if cls.model is None and initkwargs.get("model") is None:
            raise ImproperlyConfigured(f"{cls.__name__} must declare its model")
        return super().as_view(**initkwargs)

    def dispatch(self, request, *args, **kwargs):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare its model")
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        needs_permission = access.rule_for(self.model).needs_permission(self.action)
        permission = access.permission_name(self.model, self.action)
        if needs_permission and not request.user.has_perm(permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def scoped(self, action=None):
        return access.restrict(
            self.model._default_manager.all(), self.request.user, action or self.action
        )

    @property
    def opts(self):
        return self.model._meta

    list_url_name = None

    def list_url(self) -> str | None:
        """Where breadcrumbs and "Cancel" lead: the model's list, if it has one."""
        name = self.list_url_name or f"{self.opts.app_label}:{self.opts.model_name}_list"
        try:
            return reverse(name)
        except NoReverseMatch:
            return None


class SectionIndexView(ScopedView):
    """A section's bare address (``/clients/``) leads to its main list, for those who may see it.

    Declared with the list's model and URL name; without the view permission it is a 403, as
    the list itself would be."""

    pattern_name = None

    def get(self, request, *args, **kwargs):
        return redirect(self.pattern_name)


def capped_count(queryset, cap: int = COUNT_CAP, *, same_rows=None) -> tuple[int, bool]:
    """Count up to ``cap`` rows (never a full COUNT over a big table): (count, more).

    The statement is the one ``.values("pk")[:cap + 1].count()`` sends, built around the
    queryset's compiled SQL, which ``estimated_count`` then reuses: the ORM's aggregation
    machinery and a second compilation were a tenth of a list page's Python.

    ``same_rows``, the (SQL, parameters) of a statement over the same rows (a list's first
    page, already read), keys the remembered "more" instead of the count's own statement,
    which is then compiled only when the count runs (0.15 ms of a list page).
    """
    if queryset.query.is_sliced:
        count = queryset.order_by().values("pk")[: cap + 1].count()
        return min(count, cap), count > cap
    return count_rows(lambda: rows_sql(queryset), queryset.db, cap, same_rows=same_rows)


def count_rows(rows, db: str, cap: int = COUNT_CAP, *, same_rows=None) -> tuple[int, bool]:
    """``capped_count`` of the rows whose ``SELECT pk … WHERE …`` the function ``rows``
    gives as (SQL, parameters): called only when the count is keyed by it or runs."""
    key = _statement_key("more", *(same_rows or rows()), cap)
    if cache.get(key):
        return cap, True
    sql, params = rows()
    with connections[db].cursor() as cursor:
        capped = f"SELECT COUNT(*) FROM ({sql} LIMIT %s) subquery"  # noqa: S608 (ORM-compiled)
        cursor.execute(capped, (*params, cap + 1))
        count = cursor.fetchone()[0]
    if count > cap:
        cache.set(key, True, MORE_TTL)
    return min(count, cap), count > cap


# Seconds "more than the cap" is reused for the same statement. Paging through a big filter
# counted up to the cap again on every page (2–5 ms on a regional manager's filtered lists);
# now once a minute, as the estimate beside it. Only "more" is kept: an exact count (the cap
# or fewer rows) is counted on every view, so a record just created or archived shows in it
# at once. The price: for up to a minute after a set shrinks below the cap while its first
# page stays full, the pager still says "more than 1,000".
MORE_TTL = 60


def _statement_key(kind: str, sql: str, params, *extra) -> str:
    digest = hashlib.blake2b(repr((sql, params, extra)).encode(), digest_size=16).hexdigest()
    return f"{kind}:{digest}"


def rows_sql(queryset) -> tuple[str, tuple]:
    """The queryset's rows as ``SELECT pk … WHERE …`` without ordering, compiled once per
    queryset object."""
    compiled = queryset.__dict__.get("_crm_rows_sql")
    if compiled is None:
        compiled = queryset.order_by().values("pk").query.sql_with_params()
        queryset.__dict__["_crm_rows_sql"] = compiled
    return compiled


ESTIMATE_TTL = 60  # seconds a row estimate is reused for the same statement


def estimated_count(queryset, *, same_rows=None) -> int:
    """PostgreSQL's estimate of the rows a queryset returns (EXPLAIN, no execution).

    The estimate comes from table statistics that ANALYZE refreshes, so the same statement
    gets the same answer for a while: it is kept a minute, and paging through one filter
    asks the planner once. ``same_rows`` as for ``capped_count``.
    """
    return estimate_rows(lambda: rows_sql(queryset), queryset.db, same_rows=same_rows)


def estimate_rows(rows, db: str, *, same_rows=None) -> int:
    """``estimated_count`` of the rows ``rows()`` compiles, as for ``count_rows``."""
    key = _statement_key("estimate", *(same_rows or rows()))
    estimate = cache.get(key)
    if estimate is None:
        sql, params = rows()
        with connections[db].cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        cache.set(key, estimate, ESTIMATE_TTL)
    return estimate
