"""API authentication: simplejwt, with the token's user remembered for a moment."""

import copy
import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

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


@functools.cache
def _user_query() -> tuple[str, list[str]]:
    model = get_user_model()
    fields = [field.attname for field in model._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    return f"SELECT {columns} FROM {table} WHERE {pk} = %s", fields  # noqa: S608 - names only


def _read_user(user_id: str):
    """The token's user in one plain statement, as simplejwt would check it. The ORM's get()
    (building and compiling the query) cost a sixth of a successful hold's CPU on every
    buyer's first request, when nobody remembers their user yet."""
    try:
        pk = int(user_id)
    except ValueError:
        pk = None
    row = None
    if pk is not None:
        sql, fields = _user_query()
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
    if row is None:
        raise AuthenticationFailed(_("User not found"), code="user_not_found")
    user = get_user_model().from_db(connection.alias, fields, row)
    if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
        raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
    return user


def check_not_revoked(token, user) -> None:
    """A token carries a hash of its user's password hash (CHECK_REVOKE_TOKEN): one issued
    before the password last changed is refused."""
    if not api_settings.CHECK_REVOKE_TOKEN:
        return
    if token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        raise AuthenticationFailed(
            _("The user's password has been changed."), code="password_changed"
        )


class RememberingJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        if api_settings.USER_ID_FIELD != "id":
            return super().get_user(validated_token)  # checks this module does not repeat
        user_id = str(validated_token.get(api_settings.USER_ID_CLAIM))  # a string in tokens
        user = _users.get(user_id)
        if user is MISSING:
            user = _users.set(user_id, _read_user(user_id))
        # Against the remembered user: a new password or a deactivation saved in another
        # process takes effect here within USER_SECONDS, without a read per request.
        check_not_revoked(validated_token, user)
        # A copy per request: what one request sets on its user is not seen by another.
        return copy.copy(user)


class RememberingJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the bearer JWT it is."""

    target_class = "apps.accounts.authentication.RememberingJWTAuthentication"
