from django.urls import path

from crm.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.unread_badge, name="unread_badge"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.preferences, name="preferences"),
    path("downloads/", views.downloads, name="downloads"),
    path("downloads/my-data/", views.request_my_data, name="request_my_data"),
    path("downloads/<uuid:token>/", views.download_file, name="download_file"),
]
