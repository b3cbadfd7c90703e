"""The home page every user lands on after login."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from crm.accounts import roles, selectors
from crm.accounts.scopes import DEALER_ROLES
from crm.notifications.selectors import latest_notifications


@login_required
def home(request):
    """My next steps (today and overdue), who I am, my team and my latest notifications.

    A dealer's or sub-dealer's user works in the cabinet: their home is the cabinet's."""
    if request.user.role_codes & DEALER_ROLES:
        return redirect("dealers:home")
    me = selectors.user_with_org(request.user.pk, fields=selectors.ABOUT_FIELDS)
    context = {
        "me": me,
        "role_labels": [roles.role_label(code) for code in sorted(request.user.role_codes)],
        "team": [] if request.user.is_outside_party else selectors.user_team(me),
        "notifications": latest_notifications(request.user, limit=5),
    }
    if request.user.has_perm("sales.view_salesline"):
        from crm.sales.kpis import manager_counters

        context["counters"] = manager_counters(request.user)
    if request.user.has_perm("clients.view_interaction"):
        from crm.clients.selectors import next_steps

        context["next_steps"] = next_steps(request.user)
    if "counters" not in context and "next_steps" not in context:
        # Nothing of the staff's daily work here (an auditor, a data contractor):
        # the page lists the sections the menu offers them, or says that there are none yet.
        from crm.core.navigation import menu_for

        context["sections"] = menu_for(request.user)
    return render(request, "accounts/home.html", context)
