"""The client's address, as far as it can be trusted. X-Forwarded-For is written by whoever
sends the request: only the entries our own proxies appended can be believed. NUM_PROXIES is
how many proxies (load balancers) stand in front of the shop; 0 (the default) trusts no header
at all. Throttles (DRF's NUM_PROXIES) and login lockouts (django-axes) key on this."""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    # Each of our proxies appended the address it saw: the client is the one our first proxy
    # saw, `proxies` from the right; anything further left the client wrote itself.
    return forwarded[-min(proxies, len(forwarded))]
