from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import views as jwt_views

from apps.common.api_schema import ERROR_RESPONSES, ErrorSerializer
from apps.common.throttles import FailOpenScopedRateThrottle

from . import services
from .lockout import lockout_response
from .serializers import LogoutSerializer, RegisteredSerializer, RegisterSerializer, UserSerializer

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
