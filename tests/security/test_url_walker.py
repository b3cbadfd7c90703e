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
    "cabinet/invitation/<str:token>/": "the single-use invitation link from the e-mail (the "
    "invitee has no account yet)",
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


# --- every view is a scoped view ------------------------------------------------------------------

# URL names (namespace:name) served by views that are not crm.core.generic.ScopedView, and why.
# Anything else must be a ScopedView: it derives its model permission from its action and reads
# rows only through the row rule.
NOT_SCOPED = {
    "dealers:invitation_accept": "invitation link: before an account exists; the single-use "
    "token is the key",
    # several models at once: each group is read through access.restrict and visible_fields
    "core:search": "global search (crm.core.search): every group goes through the row rule",
    # login, logout and password pages: before or around authentication, no records
    "accounts:login": "the login page",
    "accounts:logout": "logout",
    "accounts:otp_verify": "second-factor check at login",
    "accounts:otp_setup": "second-factor enrolment of the user's own device",
    "accounts:password_change": "the user's own password",
    "accounts:password_reset": "password reset request",
    "accounts:password_reset_done": "password reset: 'check your e-mail'",
    "accounts:password_reset_confirm": "password reset: the signed link",
    "accounts:password_reset_complete": "password reset: done",
    "accounts:set_language": "language switch",
    # health probes
    "core:healthz": "load balancer probe",
    "core:readyz": "load balancer probe",
    # API: DRF views, checked by their own permission classes (HasScope, HasModelPermission)
    "api:schema": "OpenAPI schema (DRF)",
    "api:docs": "Swagger UI, staff only (DRF)",
    # personal pages: only the user's own data, through the personal row rules
    "accounts:home": "the user's start page",
    "accounts:profile": "the user's own profile",
    "notifications:inbox": "the user's own notifications",
    "notifications:unread_badge": "the user's own unread count",
    "notifications:open": "one of the user's own notifications",
    "notifications:mark_read": "one of the user's own notifications",
    "notifications:mark_all_read": "the user's own notifications",
    "notifications:preferences": "the user's own notification settings",
    "notifications:downloads": "the user's own downloads",
    "notifications:request_my_data": "the user's own data export",
    "notifications:download_file": "one of the user's own downloads",
}
# Whole namespaces outside the rule: Django admin is for administrators only.
NOT_SCOPED_NAMESPACES = {"admin": "Django admin, administrators only (is_staff)"}


def view_class_of(match):
    func = match.func
    return getattr(func, "view_class", None) or getattr(func, "cls", None)


@pytest.mark.parametrize("route", ROUTES)
def test_every_view_is_a_scoped_view_or_allowlisted(route):
    from django.urls import resolve

    from crm.core.generic import ScopedView

    match = resolve(concrete(route))
    if match.namespace in NOT_SCOPED_NAMESPACES or match.view_name in NOT_SCOPED:
        return
    view_class = view_class_of(match)
    scoped = isinstance(view_class, type) and issubclass(view_class, ScopedView)
    assert scoped, (
        f"{route} ({match.view_name}) is served by {view_class or match.func!r}, which is not a "
        "crm.core.generic.ScopedView: build it on a scoped view, or add it to NOT_SCOPED with "
        "the reason"
    )


def test_the_scoped_view_allowlist_names_only_existing_routes():
    from django.urls import resolve

    names = {resolve(concrete(route)).view_name for route in ROUTES}
    assert set(NOT_SCOPED) <= names
