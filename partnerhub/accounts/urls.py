from django.urls import path

from partnerhub.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.verify_view, name="verify"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("security/", views.security_view, name="security"),
    path("security/password/", views.PasswordChange.as_view(), name="password_change"),
    path("security/tokens/", views.token_create_view, name="token_create"),
    path("security/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("security/2fa/begin/", views.totp_begin_view, name="totp_begin"),
    path("security/2fa/confirm/", views.totp_confirm_view, name="totp_confirm"),
    path("security/2fa/disable/", views.totp_disable_view, name="totp_disable"),
]
