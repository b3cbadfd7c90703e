from django.urls import path

from crm.accounts.views import auth, home, profile

app_name = "accounts"

urlpatterns = [
    path("", home.home, name="home"),
    path("profile/", profile.profile, name="profile"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/2fa/", auth.otp_verify, name="otp_verify"),
    path("login/2fa/setup/", auth.otp_setup, name="otp_setup"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("language/", auth.set_language, name="set_language"),
    path("profile/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("login/password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "login/password-reset/sent/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "login/password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "login/password-reset/complete/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
