from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from .authentication import check_not_revoked
from .models import User


class RegisterSerializer(serializers.Serializer):
    """Shape only: the address format, password strength and uniqueness rules are the
    registration service's, shared with the sign-up page."""

    email = serializers.EmailField(max_length=254, help_text="The login; case does not matter.")
    password = serializers.CharField(
        min_length=8,
        max_length=4096,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text="At least 8 characters; a password too common, all digits or too like the "
        "address is refused with 422 `password_rejected`.",
    )
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "date_joined"]
        read_only_fields = fields


class RegisteredSerializer(UserSerializer):
    """The new account and a token pair, so that a mobile client is logged in at once."""

    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "access", "refresh"]
        read_only_fields = fields


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token to revoke.")


class RevocableTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, refusing (401) a refresh token issued before its user's password
    last changed, and one whose user is gone (simplejwt lets that out as a 500)."""

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = User.objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        check_not_revoked(refresh, user)
        return super().validate(attrs)


def _password_field(help_text: str, *, min_length: int = 8):
    return serializers.CharField(
        min_length=min_length,
        max_length=4096,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        help_text=help_text,
    )


STRENGTH_HELP = (
    "At least 8 characters; one too common, all digits or too like the address is refused with "
    "422 `password_rejected`."
)


class PasswordResetRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The account's login address.")


class PasswordResetAcceptedSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text="The same sentence whether or not the address has an account."
    )


class PasswordResetConfirmSerializer(serializers.Serializer):
    # Not trimmed: whatever was sent is checked as the link, and a blank one is a 422 like any
    # other link that is not ours.
    uid = serializers.CharField(
        max_length=64, trim_whitespace=False, help_text="The `uid` part of the e-mailed link."
    )
    token = serializers.CharField(
        max_length=128, trim_whitespace=False, help_text="The `token` part of the link."
    )
    new_password = _password_field(STRENGTH_HELP)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = _password_field("The password the account has now.", min_length=1)
    new_password = _password_field(STRENGTH_HELP)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The new login address.")
    current_password = _password_field("The account's password.", min_length=1)
