from django.urls import path

from . import account_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.ShopLoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("", account_views.account, name="account"),
    path("password/", account_views.change_password, name="password-change"),
    path("email/", account_views.change_email, name="email-change"),
    path("password/reset/", account_views.password_reset, name="password-reset"),
    path("password/reset/sent/", account_views.password_reset_sent, name="password-reset-sent"),
    path(
        "reset/<str:uidb64>/<str:token>/",
        account_views.password_reset_confirm,
        name="password-reset-confirm",
    ),
]
