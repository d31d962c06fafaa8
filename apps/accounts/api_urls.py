from django.urls import path

from . import apis

urlpatterns = [
    path("register", apis.RegisterApi.as_view(), name="api-auth-register"),
    path("token", apis.TokenObtainApi.as_view(), name="api-auth-token"),
    path("token/refresh", apis.TokenRefreshApi.as_view(), name="api-auth-token-refresh"),
    path("logout", apis.LogoutApi.as_view(), name="api-auth-logout"),
    path("me", apis.MeApi.as_view(), name="api-auth-me"),
    path("password/reset", apis.PasswordResetApi.as_view(), name="api-auth-password-reset"),
    path(
        "password/reset/confirm",
        apis.PasswordResetConfirmApi.as_view(),
        name="api-auth-password-reset-confirm",
    ),
    path("password/change", apis.PasswordChangeApi.as_view(), name="api-auth-password-change"),
    path("email", apis.EmailChangeApi.as_view(), name="api-auth-email-change"),
]
