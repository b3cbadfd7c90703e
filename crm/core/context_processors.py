"""Template context shared by every page: the navigation for the current user."""

from functools import partial

from crm.core.navigation import menu_html


def navigation(request):
    """The menu, built only when a template shows it (a template calls a callable value):
    HTMX fragments rendered with the same context processors never do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu_html": ""}
    return {"nav_menu_html": partial(menu_html, user)}
