"""Session timeouts, the user's language and time zone, and the second-factor gate."""

import time
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import gettext as _

SESSION_LOGIN_AT = "crm_login_at"
SESSION_SEEN_AT = "crm_seen_at"
# Last activity is written at most this often, so a page view does not always write the session.
SEEN_WRITE_INTERVAL = 60


def _redirect(request, url):
    """A redirect that also works for htmx requests (they follow HX-Redirect instead)."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class ResolvedUserMiddleware:
    """``request.user`` as the user object itself, once authentication and the second-factor
    check have resolved it: Django and django-otp hand it on as lazy proxies, and a page reads
    the user's attributes a few hundred times (menu, permissions, field policies), each read
    going through both proxies. Every later middleware reads it anyway."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        while isinstance(user, SimpleLazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        request.user = user
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Log out after SESSION_IDLE_TIMEOUT of inactivity or SESSION_COOKIE_AGE since login."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.setdefault(SESSION_LOGIN_AT, now)
            seen_at = session.get(SESSION_SEEN_AT, now)
            expired = (
                now - seen_at > settings.SESSION_IDLE_TIMEOUT
                or now - login_at > settings.SESSION_COOKIE_AGE
            )
            if expired:
                logout(request)
                messages.info(request, _("Your session has expired, please log in again."))
                return _redirect(
                    request, f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}"
                )
            if now - seen_at >= SEEN_WRITE_INTERVAL or SESSION_SEEN_AT not in session:
                session[SESSION_SEEN_AT] = now
        return self.get_response(request)


def _valid_language(code) -> str | None:
    return code if code in dict(settings.LANGUAGES) else None


class UserLocaleMiddleware:
    """The UI speaks the user's language (Russian by default), in the user's time zone.

    The browser's Accept-Language is ignored on purpose: the product is Russian unless a user
    chose English in the profile or the language switch.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            language = _valid_language(user.language)
            tz_name = user.time_zone
        else:
            language = _valid_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
            tz_name = settings.TIME_ZONE
        language = language or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# Paths an authenticated user who still owes the second factor may reach.
_OTP_OPEN_PREFIXES = ("/login/", "/logout/", "/static/", "/healthz", "/readyz", "/language/")


class RequireSecondFactorMiddleware:
    """Users who must use TOTP (or who enrolled) reach nothing until they pass it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        owes_otp = (
            user.is_authenticated
            and not request.path.startswith(_OTP_OPEN_PREFIXES)
            and not user.is_verified()
            and self._needs_otp(user)
        )
        if not owes_otp:
            return self.get_response(request)
        if request.headers.get("HX-Request") or request.path.startswith("/api/"):
            return HttpResponse(_("Second factor required."), status=403)
        return _redirect(request, reverse("accounts:otp_verify"))

    @staticmethod
    def _needs_otp(user) -> bool:
        from crm.accounts.scopes import scope_of

        return user.requires_second_factor or scope_of(user).has_otp_device
