"""The inbox, preferences and downloads pages: every view sees only the user's own rows."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core.outbox import enqueue
from crm.notifications import selectors, services
from crm.notifications.forms import PreferencesForm


@login_required
def inbox(request):
    only_unread = request.GET.get("show") == "unread"
    rows = selectors.inbox(request.user)
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "only_unread": only_unread, "unread": selectors.unread_count(request.user)},
    )


@login_required
def unread_badge(request):
    """The bell in the navbar: an htmx fragment polled every 30 seconds."""
    return render(
        request,
        "notifications/includes/bell_fragment.html",
        {"unread": selectors.unread_count(request.user)},
    )


@login_required
def open_notification(request, pk: int):
    """Mark as read and go to the object the notification is about."""
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.notification_mark_read(request.user, notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(selectors.inbox(request.user), pk=pk)
    services.notification_mark_read(request.user, notification=notification)
    if request.htmx:
        return render(request, "notifications/includes/row.html", {"n": notification})
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.notifications_mark_all_read(request.user)
    messages.success(request, _("Marked as read: %(count)s.") % {"count": count})
    return redirect("notifications:inbox")


@login_required
def preferences(request):
    current = selectors.user_deliveries(request.user)
    form = PreferencesForm(
        request.POST or None,
        current=current,
        initial={"digest_enabled": request.user.digest_enabled},
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_save(
            request.user,
            deliveries=form.deliveries(),
            digest_enabled=form.cleaned_data["digest_enabled"],
        )
        messages.success(request, _("Saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@login_required
def downloads(request):
    rows = selectors.user_downloads(request.user)
    return render(request, "notifications/downloads.html", {"downloads": rows})


@login_required
def download_file(request, token):
    """Stream a file to its owner only; anyone else gets 404."""
    download = get_object_or_404(selectors.user_downloads(request.user), token=token)
    try:
        handle = download.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is no longer available.")) from None
    services.download_mark_downloaded(download)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download.file.name.rsplit("/", 1)[-1],
        content_type=download.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def request_my_data(request):
    enqueue("notifications.export_my_data", request.user.pk)
    messages.success(
        request, _("We are preparing the file. It will appear in the list below in a minute.")
    )
    return redirect("notifications:downloads")
