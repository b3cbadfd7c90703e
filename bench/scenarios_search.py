"""Scenarios of the global search (the results page behind the top bar's box), imported by
bench.run: for the four roles of bench.scenarios_clients, a name, a phone, an INN and an
article. The INN and the article are read from the database at run time (the planted
organisation's INN; the demo's article prefix, or the first product's)."""

from urllib.parse import urlencode

from bench.scenarios_clients import ORG_NAME_SEARCH, ORG_PHONE_SEARCH, ROLES, login

QUERY_CEILING = 8  # session, user, scope, permissions and one query per group (three)
# The target is p50 alone; the ratio to hello-world + the page's SQL is reported.
TARGET = {"p50_ms": 30, "text": "p50 ≤ 30 ms (the ratio is reported, not a target)"}
ARTICLE_SEARCH = "DP-U"  # a product line of the demo catalogue (crm/catalog/demo.py)
PLANTED_NAME = "Ромашка-Авто"


def _inn() -> str | None:
    from crm.clients.models import Organisation

    planted = Organisation.objects.filter(name=PLANTED_NAME).exclude(inn="").first()
    planted = planted or Organisation.objects.exclude(inn="").order_by("pk").first()
    return planted.inn if planted else None


def _article() -> str | None:
    from crm.catalog.models import Product

    if Product.objects.filter(sku__istartswith=ARTICLE_SEARCH).exists():
        return ARTICLE_SEARCH
    first = Product.objects.order_by("pk").values_list("sku", flat=True).first()
    return first[:4] if first else None


def texts() -> dict[str, str]:
    """Scenario kind → the text typed, for the kinds the database has data for."""
    found = {
        "name": ORG_NAME_SEARCH,
        "phone": ORG_PHONE_SEARCH,
        "inn": _inn(),
        "article": _article(),
    }
    return {kind: text for kind, text in found.items() if text}


def _totals() -> dict:
    from crm.catalog.models import Product
    from crm.clients.models import Contact, Organisation

    return {
        "organisations": Organisation.objects.count(),
        "contacts": Contact.objects.count(),
        "products": Product.objects.count(),
    }


def search_scenarios(runner, scale: str, smoke: bool, roles: dict[str, str] = ROLES) -> list:
    from django.test import Client

    from crm.accounts.models import User
    from crm.core import search

    n = 5 if smoke else 100
    budget_s = None if smoke else 6.0
    totals = _totals()
    typed = texts()
    results = []
    for role, username in roles.items():
        user = User.objects.get(username=username)
        client = login(Client(), user)
        for kind, text in typed.items():
            name = f"global_search.{role}.{kind}"
            path = "/search/?" + urlencode({"q": text})
            groups = search.search(user, text)
            shown = {group.key: len(group.hits) for group in groups}
            result = runner.page_scenario(
                name,
                client,
                path,
                n=n,
                query_ceiling=QUERY_CEILING,
                target=TARGET,
                scale=scale,
                row_counts={**totals, "visible": sum(shown.values()), "groups": shown},
                budget_s=budget_s,
            )
            result.notes = f"GET {path}"
            print(
                f"{name:<36} p50 {result.p50_ms:>8} ms  q {result.queries}  "
                f"ratio {result.ratio}  shown {shown}",
                flush=True,
            )
            results.append(result)
    return results


def scenarios(runner, scale: str, smoke: bool) -> list:
    return search_scenarios(runner, scale, smoke)
