"""Runs callables at the same moment in real threads, each with its own database connection."""

import threading

from django.db import connections


def run_at_once(calls, timeout=60):
    """calls: list of zero-argument callables. Returns [(result, exception)] in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = (call(), None)
        except Exception as exc:
            outcomes[index] = (None, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racing thread hung"
    return outcomes
