"""Admin of notifications, preferences and downloads; announcements to users."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import User
from crm.notifications import events, services
from crm.notifications.models import Download, Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "event_type", "created_at", "read_at", "emailed_at"]
    list_filter = ["event_type", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__last_name"]
    list_select_related = ["recipient"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "event_type", "delivery"]
    list_filter = ["event_type", "delivery"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "size", "created_at", "expires_at", "downloaded_at"]
    search_fields = ["title", "owner__username"]
    list_select_related = ["owner"]
    exclude = ["file"]
    readonly_fields = ["title", "owner", "content_type", "size", "created_at", "downloaded_at"]

    def has_add_permission(self, request):
        return False


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea, required=False)


@admin.action(description=_("Send an announcement to the selected users"))
def send_announcement(modeladmin, request, queryset):
    form = AnnouncementForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        count = services.notify_many(
            queryset.filter(is_active=True),
            events.ANNOUNCEMENT.key,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
        )
        messages.success(request, _("Announcement sent to %(count)s users.") % {"count": count})
        return None
    return render(
        request,
        "admin/notifications/announcement.html",
        {
            "form": form,
            "users": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "title": _("Send an announcement"),
            "opts": User._meta,
        },
    )


def _register_user_action():
    user_admin = admin.site._registry.get(User)
    if user_admin is not None:
        user_admin.actions = [*user_admin.actions, send_announcement]


_register_user_action()
