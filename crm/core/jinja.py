"""Jinja2 for the hottest markup: the page layouts with their chrome (menu bar, search box,
messages, language switch) and the list pages below their title (ADR 0016).

Django's template engine spends a few microseconds on each node; the list page's ~150 nodes
were its largest single cost after the SQL. The same markup compiled by Jinja2 to Python
renders in a fraction of that. List pages are Jinja2 whole (``render_page``); other page
templates stay on Django's engine: ``templates/base.html``
hands their blocks to ``jinja/layouts/base.jinja`` through ``{% jinja_layout %}``
(``crm.core.templatetags.crm_jinja``), so the layout exists once.

Strings are translated with ``_("...")`` and, where they take values, formatted with Jinja's
``format`` filter: ``{{ _("Rows %(first)s–%(last)s")|format(first=a, last=b) }}``. That is
the one shape Django's ``makemessages`` reads out of a template (``_("...")`` at the start of
a variable), so the msgids are the same as those of ``{% blocktranslate %}`` and land in the
same catalogue (``manage.py translations extract`` scans ``*.jinja``).
"""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.translation import trans_real
from jinja2 import Environment

from crm.core.templatetags.crm_forms import fast_field

_URLS: dict[tuple, str] = {}


def _kept(store: dict, limit: int, key, build):
    """``store[key]``, built by ``build()`` the first time; the store starts over past
    ``limit`` entries (a bound, not an eviction policy: the keys are a few dozen)."""
    found = store.get(key)
    if found is None:
        if len(store) > limit:
            store.clear()
        found = store[key] = build()
    return found


def url(name, *args, **kwargs) -> str:
    """``reverse``; the result for a name without arguments is kept per script prefix and
    URLconf (the chrome asks for the same half-dozen on every page)."""
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    return _kept(_URLS, 1000, (name, get_script_prefix(), get_urlconf()), lambda: reverse(name))


_STATIC: dict[str, str] = {}


def cached_static(path: str) -> str:
    """``static``, remembered: the manifest of hashed names does not change while a process
    runs, and a page asks for the same eight files."""
    return _kept(_STATIC, 500, path, lambda: static(path))


def environment(**options) -> Environment:
    options.pop("autoescape", None)  # always on, whatever the backend passes
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True, **options)
    env.install_gettext_callables(translation.gettext, translation.ngettext, newstyle=False)
    env.globals.update(
        {
            "url": url,
            "static": cached_static,
            "fast_field": fast_field,
            "get_language": translation.get_language,
        }
    )
    env.filters["intcomma"] = intcomma
    return env


def _engine():
    from django.template import engines

    return engines["jinja2"]


def render_fragment(name: str, context: dict, request=None) -> str:
    """A Jinja2 template rendered with ``context`` as it is: no context processors run (the
    page around it already ran them, or, for an HTMX fragment, it does not need them)."""
    return _render(_engine().env.get_template(name), context, request)


def _render(template, context: dict, request) -> str:
    if request is not None:
        context = {**context, "request": request, **_csrf(request), **_catalogue()}
    return template.render(context)


def _catalogue() -> dict:
    """``gettext`` and ``ngettext`` of the active language's catalogue, for one render: what
    Django's functions call after finding the active catalogue, which they did again for each
    of a page's forty-odd ``_("...")`` (0.05 ms). Templates translate literals, so Django's
    handling of ``\r\n`` and of safe strings has nothing to do here. Outside a language (a
    deactivated thread), Django's own functions stay."""
    language = translation.get_language()
    if language is None:
        return {}
    catalogue = trans_real.translation(language)
    return {"gettext": catalogue.gettext, "ngettext": catalogue.ngettext}


def render_page(request, name: str, context: dict) -> HttpResponse:
    """A whole page from a Jinja2 template that extends ``layouts/base.jinja``.

    The layout reads what Django templates get from the context processors: the request,
    the CSRF token, the messages and the menu; only those are added, the rest of the
    processors' values no Jinja2 template reads. Django's ``template_rendered`` signal is
    sent as Django's own engine sends it, so the test client's ``response.context`` holds
    the view's context (no receiver listens outside tests, and the send then returns at once).
    """
    from crm.core.context_processors import navigation

    context = {**context, "messages": get_messages(request), **navigation(request)}
    template = _engine().env.get_template(name)
    template_rendered.send(sender=render_page, template=template, context=context)
    return HttpResponse(_render(template, context, request))


def _csrf(request) -> dict:
    """The CSRF token's lazy values, one pair per request: each ``get_token`` masks the secret
    anew (32 random characters), and a page renders several fragments."""
    found = getattr(request, "_jinja_csrf", None)
    if found is None:
        token = SimpleLazyObject(lambda: get_token(request))
        found = request._jinja_csrf = {
            "csrf_input": SimpleLazyObject(
                lambda: format_html(
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token
                )
            ),
            "csrf_token": token,
        }
    return found
