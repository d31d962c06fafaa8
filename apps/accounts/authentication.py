"""API authentication: simplejwt, with the token's user remembered for a moment."""

import copy
import time

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings

# A buyer in a sale sends several requests a second (holds, retries, payment); reading their
# user row for each was the largest fixed cost of an API call after the view itself. An access
# token is trusted for its whole lifetime anyway (15 minutes): remembering its user for a few
# seconds only delays noticing a deactivation by that much in other processes (a save in this
# process forgets the user at once, see apps.py).
USER_SECONDS = 5.0
_MAX_USERS = 20_000
_users_read: dict = {}  # user id -> (time.monotonic() when read, User)


def forget_user(user_id=None):
    if user_id is None:
        _users_read.clear()
    else:
        _users_read.pop(str(user_id), None)


class RememberingJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        user_id = str(validated_token.get(api_settings.USER_ID_CLAIM))  # a string in tokens
        now = time.monotonic()
        read = _users_read.get(user_id)
        if read is not None and now - read[0] < USER_SECONDS:
            # A copy per request: what one request sets on its user is not seen by another.
            return copy.copy(read[1])
        user = super().get_user(validated_token)  # checks it exists, is active, ...
        if len(_users_read) >= _MAX_USERS:
            _users_read.clear()
        _users_read[user_id] = (now, user)
        return copy.copy(user)


class RememberingJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the bearer JWT it is."""

    target_class = "apps.accounts.authentication.RememberingJWTAuthentication"
