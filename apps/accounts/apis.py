from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from apps.common.api_schema import ERROR_RESPONSES, ErrorSerializer
from apps.common.throttles import FailOpenScopedRateThrottle

from . import reset, services, throttles
from .lockout import lockout_response
from .serializers import (
    EmailChangeSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    PasswordResetAcceptedSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)

THROTTLED = {
    429: OpenApiResponse(ErrorSerializer, description="Too many attempts; see Retry-After")
}


class RegisterApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (FailOpenScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_register",
        summary="Create an account",
        description=(
            "Creates a buyer account (the email address is the login, case-insensitive) and "
            "returns it with a token pair. 400 `email_taken` when the address is registered; "
            "400 `validation_error` with per-field messages (e.g. a weak password)."
        ),
        request=RegisterSerializer,
        responses={
            201: RegisteredSerializer,
            400: ERROR_RESPONSES[400],
            422: OpenApiResponse(
                ErrorSerializer,
                description="`password_rejected` (too common, all digits, too like the address) "
                "or `email_taken`",
            ),
            **THROTTLED,
        },
    )
    def post(self, request):
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_user(**data.validated_data)
        body = {**UserSerializer(user).data, **services.issue_tokens(user)}
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token",
        summary="Log in: get a token pair",
        description=(
            "Exchanges email and password for an access token (send it as "
            "`Authorization: Bearer <access>`) and a refresh token. 401 on bad credentials; "
            "429 `locked_out` after too many failures for the account or the address (for "
            "LOGIN_COOLOFF_MINUTES), or `throttled`."
        ),
        responses={
            200: jwt_views.TokenObtainPairView.serializer_class,
            400: ERROR_RESPONSES[400],
            401: ERROR_RESPONSES[401],
            **THROTTLED,
        },
    )
)
class TokenObtainApi(jwt_views.TokenObtainPairView):
    throttle_classes = (FailOpenScopedRateThrottle,)
    throttle_scope = "auth"

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            # django-axes' backend marks the request it was given (this DRF request) when the
            # account or the address is locked out: a 429 saying so, not "wrong password".
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise


@extend_schema_view(
    post=extend_schema(
        operation_id="auth_token_refresh",
        summary="Trade a refresh token for a new pair",
        description=(
            "Returns a new access token and a new refresh token; the refresh token sent is "
            "revoked, so using it again is a 401."
        ),
        responses={
            200: jwt_views.TokenRefreshView.serializer_class,
            400: ERROR_RESPONSES[400],
            401: ERROR_RESPONSES[401],
        },
    )
)
class TokenRefreshApi(jwt_views.TokenRefreshView):
    pass


class LogoutApi(APIView):
    # Holding the refresh token is the proof needed: a client whose access token has already
    # expired can still log out.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="auth_logout",
        summary="Log out: revoke a refresh token",
        request=LogoutSerializer,
        responses={
            205: OpenApiResponse(description="Revoked; the token can no longer be refreshed."),
            400: ERROR_RESPONSES[400],
            401: ERROR_RESPONSES[401],
        },
    )
    def post(self, request):
        data = LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.revoke_refresh_token(refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeApi(APIView):
    @extend_schema(
        operation_id="auth_me",
        summary="The logged-in user",
        responses={200: UserSerializer, 401: ERROR_RESPONSES[401]},
    )
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class PasswordResetApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="auth_password_reset",
        summary="Ask for a password reset link by e-mail",
        description=(
            "If an active account has this address, e-mails it a one-time link to the reset "
            "page (`/accounts/reset/<uid>/<token>/`; an app can read `uid` and `token` from it "
            "and call `password/reset/confirm`). The answer is the same 202 whether or not the "
            "address has an account. 429 `throttled` after THROTTLE_PASSWORD_RESET requests "
            "from the client address or THROTTLE_PASSWORD_RESET_ADDRESS for the address."
        ),
        request=PasswordResetRequestSerializer,
        responses={
            202: PasswordResetAcceptedSerializer,
            400: ERROR_RESPONSES[400],
            **THROTTLED,
        },
    )
    def post(self, request):
        data = PasswordResetRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        throttles.check_reset_request(request, email)
        reset.request_password_reset(email=email, base_url=request.build_absolute_uri("/"))
        return Response({"detail": reset.RESET_REQUESTED_MESSAGE}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (FailOpenScopedRateThrottle,)
    throttle_scope = "auth"

    @extend_schema(
        operation_id="auth_password_reset_confirm",
        summary="Set a new password with a reset link",
        description=(
            "Sets the password of the account the link was for. Every token and browser "
            "session of the account stops working; log in again with the new password. A "
            "lockout for failed logins on the account is lifted."
        ),
        request=PasswordResetConfirmSerializer,
        responses={
            204: OpenApiResponse(description="The new password is set."),
            400: ERROR_RESPONSES[400],
            422: OpenApiResponse(
                ErrorSerializer,
                description="`invalid_reset_link` (used, expired, or not one we sent) or "
                "`password_rejected` (too common, all digits, too like the address)",
            ),
            **THROTTLED,
        },
    )
    def post(self, request):
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        reset.reset_password(
            uidb64=values["uid"], token=values["token"], new_password=values["new_password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(APIView):
    @extend_schema(
        operation_id="auth_password_change",
        summary="Change the password",
        description=(
            "Needs the current password. Every token of the account, this one too, and every "
            "browser session stop working: the answer is a new token pair. 429 `throttled` "
            "after THROTTLE_ACCOUNT_CHANGE attempts."
        ),
        request=PasswordChangeSerializer,
        responses={
            200: TokenPairSerializer,
            400: ERROR_RESPONSES[400],
            422: OpenApiResponse(
                ErrorSerializer,
                description="`wrong_password` (the current password) or `password_rejected`",
            ),
            **THROTTLED,
        },
    )
    def post(self, request):
        throttles.check_account_change(request)
        data = PasswordChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.change_password(user=request.user, **data.validated_data)
        return Response(services.issue_tokens(user))


class EmailChangeApi(APIView):
    @extend_schema(
        operation_id="auth_email_change",
        summary="Change the login address",
        description=(
            "Needs the current password. The old address gets a notice. Tokens stay valid. 429 "
            "`throttled` after THROTTLE_ACCOUNT_CHANGE attempts."
        ),
        request=EmailChangeSerializer,
        responses={
            200: UserSerializer,
            400: ERROR_RESPONSES[400],
            422: OpenApiResponse(
                ErrorSerializer,
                description="`wrong_password` or `email_taken` (another account has it)",
            ),
            **THROTTLED,
        },
    )
    def post(self, request):
        throttles.check_account_change(request)
        data = EmailChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.change_email(
            user=request.user,
            current_password=data.validated_data["current_password"],
            new_email=data.validated_data["email"],
        )
        return Response(UserSerializer(user).data)
