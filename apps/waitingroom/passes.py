"""The pass an admitted buyer holds seats with: `<event>.<buyer>.<expiry ms>` signed with the
shop's key (django.core.signing, HMAC-SHA256), so the hold path checks whose it is, for which
event and until when without reading anything; then one Redis call says it has not been spent.

Clients present it as the `X-Queue-Pass` header (API) or the `queue-pass-<event>` cookie the
room's page sets (browser)."""

import time

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.common.errors import ShopError

from . import state

PASS_HEADER = "X-Queue-Pass"  # noqa: S105 (a header name)
_SALT = "apps.waitingroom.pass"


def cookie_name(event_id) -> str:
    return f"queue-pass-{int(event_id)}"


class QueuePassRequired(ShopError):
    status_code = 403
    code = "queue_pass_required"
    default_detail = gettext_lazy(
        "This sale has a waiting room: join it, and hold seats once you are admitted."
    )
    # Not kept as the answer to an Idempotency-Key: the same request succeeds once the buyer
    # has their pass.
    retryable = True


def pass_required(event_id, detail: str | None = None) -> QueuePassRequired:
    return QueuePassRequired(
        detail,
        room=reverse("api-room", kwargs={"event_id": event_id}),
        room_page=reverse("waitingroom:room", kwargs={"event_id": event_id}),
    )


def issue(event_id, user_id, expires_ms: int) -> str:
    return signing.Signer(salt=_SALT).sign(f"{int(event_id)}.{int(user_id)}.{int(expires_ms)}")


def check(*, event_id, user_id, token) -> None:
    """Refuses (403 queue_pass_required) unless `token` is a live, unspent pass of this buyer for
    this event; 503 waiting_room_unavailable when Redis cannot say whether it was spent."""
    if not token or not isinstance(token, str):
        raise pass_required(event_id)
    try:
        event_part, user_part, expires_part = signing.Signer(salt=_SALT).unsign(token).split(".")
        bound = (int(event_part), int(user_part)) == (int(event_id), int(user_id))
        expires_ms = int(expires_part)
    except (signing.BadSignature, ValueError):
        bound = False
    if not bound:
        raise pass_required(event_id, _("This pass is not yours for this event."))
    if expires_ms <= time.time() * 1000:
        raise pass_required(event_id, _("Your pass has run out; the waiting room tells you more."))
    if state.pass_expiry(event_id, user_id) <= 0:
        raise pass_required(event_id, _("This pass has been used for a booking already."))
