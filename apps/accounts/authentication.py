"""API authentication: simplejwt, with the token's user remembered for a moment."""

import copy

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

from apps.common.process_cache import MISSING, ProcessCache

# A buyer in a sale sends several requests a second (holds, retries, payment); reading their
# user row for each was the largest fixed cost of an API call after the view itself. An access
# token is trusted for its whole lifetime anyway (15 minutes): remembering its user for a few
# seconds only delays noticing a deactivation by that much in other processes (a save in this
# process forgets the user at once, see apps.py).
USER_SECONDS = 5.0
_users = ProcessCache("token-users", seconds=USER_SECONDS, max_entries=20_000)


def forget_user(user_id=None):
    if user_id is None:
        _users.forget()
    else:
        _users.forget(str(user_id))


class RememberingJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        user_id = str(validated_token.get(api_settings.USER_ID_CLAIM))  # a string in tokens
        user = _users.get(user_id)
        if user is MISSING:
            user = _users.set(user_id, super().get_user(validated_token))  # exists, active, ...
        # A copy per request: what one request sets on its user is not seen by another.
        return copy.copy(user)


class RememberingJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the bearer JWT it is."""

    target_class = "apps.accounts.authentication.RememberingJWTAuthentication"
