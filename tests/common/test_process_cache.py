import pytest

from apps.common import process_cache
from apps.common.process_cache import MISSING, ProcessCache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(process_cache, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def make_cache():
    made = []

    def make(**kwargs):
        cache = ProcessCache(f"test-{len(made)}-{id(made)}", **kwargs)
        made.append(cache)
        return cache

    yield make
    for cache in made:
        process_cache._registry.pop(cache.name, None)


def test_an_entry_lives_as_long_as_the_cache_says(clock, make_cache):
    cache = make_cache(seconds=1.0, max_entries=10)
    cache.set("a", 1)
    clock[0] += 0.99
    assert cache.get("a") == 1
    clock[0] += 0.02
    assert cache.get("a") is MISSING


def test_an_entry_never_outlives_the_cache_even_when_asked_to(clock, make_cache):
    cache = make_cache(seconds=1.0, max_entries=10)
    cache.set("a", 1, seconds=60)
    clock[0] += 1.01
    assert cache.get("a") is MISSING


def test_a_full_cache_makes_room_by_dropping_the_oldest(clock, make_cache):
    cache = make_cache(seconds=10.0, max_entries=2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (MISSING, 2, 3)


def test_a_lifetime_read_from_settings_at_zero_keeps_nothing(make_cache):
    seconds = [0.0]
    cache = make_cache(seconds=lambda: seconds[0], max_entries=10)
    assert cache.set("a", 1) == 1
    assert cache.get("a") is MISSING
    seconds[0] = 5.0
    cache.set("a", 1)
    assert cache.get("a") == 1


def test_forget_all_empties_every_cache(make_cache):
    first = make_cache(seconds=10.0, max_entries=10)
    second = make_cache(seconds=10.0, max_entries=10)
    first.set("a", 1)
    second.set("b", 2)
    process_cache.forget_all()
    assert first.get("a") is MISSING and second.get("b") is MISSING


def test_two_caches_cannot_share_a_name(make_cache):
    cache = make_cache(seconds=1.0, max_entries=1)
    with pytest.raises(ValueError):
        ProcessCache(cache.name, seconds=1.0, max_entries=1)
