from rest_framework import serializers

from .models import User


class RegisterSerializer(serializers.Serializer):
    """Shape only: the address format, password strength and uniqueness rules are the
    registration service's, shared with the sign-up page."""

    email = serializers.CharField(max_length=254, help_text="The login; case does not matter.")
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, write_only=True, style={"input_type": "password"}
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
