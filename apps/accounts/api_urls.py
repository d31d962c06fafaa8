from django.urls import path

from . import apis

urlpatterns = [
    path("register", apis.RegisterApi.as_view(), name="api-auth-register"),
    path("token", apis.TokenObtainApi.as_view(), name="api-auth-token"),
    path("token/refresh", apis.TokenRefreshApi.as_view(), name="api-auth-token-refresh"),
    path("logout", apis.LogoutApi.as_view(), name="api-auth-logout"),
    path("me", apis.MeApi.as_view(), name="api-auth-me"),
]
