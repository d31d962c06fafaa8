"""Per-process caches: small, time-bounded, size-bounded, all forgotten with one call.

A process keeps a copy of something only where reading it on every request was a measured cost
and a copy that is a moment old is harmless; each cache's owner says why at its definition and
forgets entries itself when it changes the data in this process. Other processes see a change
when their copy runs out (`seconds`), which is why every entry has a short lifetime."""

import threading
from collections.abc import Callable, Hashable
from time import monotonic  # looked up on every call, so that a test can move the clock
from typing import Any

_registry: dict[str, "ProcessCache"] = {}
MISSING = object()


class ProcessCache:
    """`seconds` is a number or a callable returning one (read on every `set`, so that a setting
    changed at run time takes effect); an entry older than that is gone. When `max_entries` are
    kept, the oldest entry makes room."""

    def __init__(self, name: str, *, seconds: float | Callable[[], float], max_entries: int):
        if name in _registry:
            raise ValueError(f"a process cache named {name!r} exists already")
        self.name = name
        self._seconds = seconds
        self._max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, Any]] = {}  # key -> (expires, value)
        self._lock = threading.Lock()
        _registry[name] = self

    def seconds(self) -> float:
        return self._seconds() if callable(self._seconds) else self._seconds

    def get(self, key: Hashable, default=MISSING):
        entry = self._entries.get(key)
        if entry is None or monotonic() >= entry[0]:
            return default
        return entry[1]

    def set(self, key: Hashable, value, *, seconds: float | None = None):
        """Keeps `value` for `seconds` (at most the cache's own lifetime)."""
        lifetime = self.seconds() if seconds is None else min(seconds, self.seconds())
        if lifetime <= 0:
            return value
        with self._lock:
            if key not in self._entries and len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[key] = (monotonic() + lifetime, value)
        return value

    def forget(self, key: Hashable = MISSING):
        """Forgets one entry, or all of them."""
        with self._lock:
            if key is MISSING:
                self._entries.clear()
            else:
                self._entries.pop(key, None)

    def __len__(self):
        return len(self._entries)


def forget_all():
    """Every process cache forgets everything (tests, and anyone who changed data in bulk)."""
    for cache in _registry.values():
        cache.forget()
