"""Every URL pattern refuses anonymous visitors, except a short, commented allowlist.

The walker enumerates the resolver, fills each pattern's parameters and requests it without
logging in: the answer must be a redirect to a login page or 401/403. A new view that forgets
its login check fails here. (The full per-role permission matrix arrives with the access
policy layer in crm.core.)
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Patterns anonymous visitors may reach, and why.
ALLOWLIST = {
    "login/": "the login page itself",
    "login/2fa/": "redirects anonymous visitors to login (login_required)",
    "login/password-reset/": "asking for a reset link needs no login",
    "login/password-reset/sent/": "the 'check your e-mail' page",
    "login/password-reset/<uidb64>/<token>/": "the signed link from the e-mail",
    "login/password-reset/complete/": "the 'password saved' page",
    "language/": "the language switch on the login page",
    "healthz": "load balancer probe, tells nothing",
    "readyz": "load balancer probe: dependency status only, no data",
    "admin/login/": "Django admin's own login page",
    "admin/logout/": "Django admin's logout",
}

PARAMS = {
    "int": "987654",
    "uuid": str(uuid.UUID(int=1)),
    "str": "x",
    "slug": "x",
    "path": "x",
}
CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def walk(patterns, prefix=""):
    for entry in patterns:
        route = str(entry.pattern)
        if route.startswith("^"):
            # Regex routes: only Django admin's app index and static handlers use them.
            continue
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def concrete(route: str) -> str:
    return "/" + CONVERTER.sub(lambda m: PARAMS.get(m["conv"] or "str", "x"), route)


ROUTES = sorted(set(walk(get_resolver().url_patterns)))


def test_the_walker_finds_the_application_routes():
    assert "notifications/downloads/<uuid:token>/" in ROUTES
    assert "profile/" in ROUTES
    assert len(ROUTES) > 30


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in ALLOWLIST])
def test_anonymous_visitors_are_refused(client, route):
    url = concrete(route)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code in (301, 302):
            assert "login" in response["Location"], (
                f"{method.upper()} {url} → {response['Location']}"
            )
        else:
            assert response.status_code in (401, 403, 405), (
                f"{method.upper()} {url} answered {response.status_code} to an anonymous visitor"
            )


def test_the_allowlist_names_only_existing_routes():
    assert set(ALLOWLIST) <= set(ROUTES)
