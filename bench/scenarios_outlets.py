"""Scenarios of the outlet list, imported by bench.run: for the four roles of the clients
scenarios, page 1, three filter combinations, a search and a sort (600,000 outlets at full
scale). Ids in query strings are resolved from the database at run time."""

from bench.scenarios_clients import PAGE_QUERY_CEILING, ROLES, _filters_ignored, _qs, login

OUTLET_SEARCH = "Автоцентр"


def _ids(user) -> dict:
    from django.db.models import Count

    from crm.outlets.models import Outlet
    from crm.refs.models import OutletFormat, Region

    visible = Outlet.objects.restrict(user)
    owner = (
        visible.exclude(owner=None)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("owner_id", flat=True)
        .first()
    )
    return {
        "moscow": Region.objects.filter(code="77").values_list("pk", flat=True).first(),
        "format": OutletFormat.objects.order_by("pk").values_list("pk", flat=True).first(),
        "owner": owner,
    }


def outlet_paths(ids) -> dict[str, str]:
    base = "/outlets/"
    return {
        "page1": base,
        "filter_a": base + _qs({"status": "active", "region": ids["moscow"]}),
        "filter_b": base + _qs({"owner": ids["owner"], "format": ids["format"]}),
        "filter_c": base + _qs({"status": "planned", "archived": "all"}),
        "search": base + _qs({"q": OUTLET_SEARCH}),
        "sort": base + _qs({"sort": "-updated_at"}),
    }


def scenarios(runner, scale: str, smoke: bool) -> list:
    from django.test import Client

    from bench.scenarios_clients import _visible_count
    from crm.accounts.models import User
    from crm.outlets.models import Outlet

    n = 5 if smoke else 60
    budget_s = None if smoke else 6.0
    target = {"p50_ms": 25, "ratio": 2.0}
    total = Outlet.objects.count()
    results = []
    for role, username in ROLES.items():
        user = User.objects.get(username=username)
        client = login(Client(), user)
        for variant, path in outlet_paths(_ids(user)).items():
            name = f"outlet_list.{role}.{variant}"
            notes = f"GET {path}"
            if _filters_ignored(client.get(path).content):
                notes += "; WARNING: the page says some filters were ignored"

            def counts(queries, total=total):
                return {"outlets": total, "visible": _visible_count(queries)}

            result = runner.page_scenario(
                name,
                client,
                path,
                n=n,
                query_ceiling=PAGE_QUERY_CEILING,
                target=target,
                scale=scale,
                row_counts=counts,
                budget_s=budget_s,
                first_view=True,
            )
            result.notes = notes
            print(
                f"{name:<36} p50 {result.p50_ms:>8} ms  q {result.queries}  "
                f"ratio {result.ratio}  visible {result.row_counts['visible']}",
                flush=True,
            )
            results.append(result)
    return results
