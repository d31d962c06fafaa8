import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.common.idempotency import prune_idempotency_keys
from apps.common.models import IdempotencyKey
from apps.inventory.models import Hold
from apps.payments.models import Payment, SandboxCharge
from tests.concurrency import run_at_once
from tests.factories import UserFactory, on_sale_event

CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123"}


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.django_db
def test_a_retried_hold_gets_the_same_response_and_no_second_hold():
    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    body = {"event": event.id, "quantity": 2}
    first = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    again = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Hold.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422():
    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    api.post(
        "/api/v1/holds",
        {"event": event.id, "quantity": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    response = api.post(
        "/api/v1/holds",
        {"event": event.id, "quantity": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Hold.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_one_buyer():
    event = on_sale_event(rows=1, seats_per_row=10)
    body = {"event": event.id, "quantity": 1}
    a = client_for(UserFactory()).post(
        "/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="x"
    )
    b = client_for(UserFactory()).post(
        "/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.django_db
def test_errors_are_replayed_too_but_retryable_ones_are_not():
    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    body = {"event": event.id, "quantity": 99}
    first = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="e")
    assert first.status_code == 422
    again = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="e")
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_a_retried_payment_charges_once():
    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    hold = api.post("/api/v1/holds", {"event": event.id, "quantity": 2}, format="json").json()
    body = {"hold": hold["id"], "payment": CARD}
    first = api.post("/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = api.post("/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert SandboxCharge.objects.count() == 1 and Payment.objects.count() == 1


@pytest.mark.django_db
def test_a_payment_key_reused_for_another_hold_is_a_422_and_that_hold_is_not_paid():
    api = client_for(UserFactory())
    events = [on_sale_event(rows=1, seats_per_row=2) for _ in range(2)]
    holds = [
        api.post("/api/v1/holds", {"event": e.id, "quantity": 1}, format="json").json()["id"]
        for e in events
    ]
    paid = api.post(
        "/api/v1/bookings",
        {"hold": holds[0], "payment": CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY="order-1",
    )
    assert paid.status_code == 201
    reused = api.post(
        "/api/v1/bookings",
        {"hold": holds[1], "payment": CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY="order-1",
    )
    assert reused.status_code == 422, "the first order's booking must not pass for this one"
    assert reused.json()["code"] == "idempotency_key_reused"
    assert Hold.objects.get(pk=holds[1]).status == "active"
    assert SandboxCharge.objects.count() == 1


@pytest.mark.django_db
def test_a_gateway_outage_is_not_stored_so_the_same_key_retries(faulty_gateway):
    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    hold = api.post("/api/v1/holds", {"event": event.id, "quantity": 1}, format="json").json()
    body = {"hold": hold["id"], "payment": CARD}
    faulty_gateway.unreachable = True
    first = api.post("/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="p")
    assert first.status_code == 503 and first.json()["code"] == "payment_unavailable"
    faulty_gateway.unreachable = False
    again = api.post("/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="p")
    assert again.status_code == 201
    assert SandboxCharge.objects.filter(status="succeeded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_duplicate_is_a_409_and_charges_once(monkeypatch):
    from apps.payments.providers import sandbox

    event = on_sale_event(rows=1, seats_per_row=10)
    buyer = UserFactory()
    hold = (
        client_for(buyer)
        .post("/api/v1/holds", {"event": event.id, "quantity": 2}, format="json")
        .json()
    )
    started = threading.Event()
    original = sandbox.SandboxProvider.confirm_intent

    def slow_confirm(self, **kwargs):
        started.set()
        time.sleep(0.5)
        return original(self, **kwargs)

    monkeypatch.setattr(sandbox.SandboxProvider, "confirm_intent", slow_confirm)
    body = {"hold": hold["id"], "payment": CARD}

    def pay(delay):
        time.sleep(delay)
        if delay:
            started.wait(5)
        response = client_for(buyer).post(
            "/api/v1/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY="dup"
        )
        return response.status_code, response.json()

    outcomes = run_at_once([lambda: pay(0), lambda: pay(0.05)])
    statuses = sorted(result[0] for result, _ in outcomes)
    assert statuses == [201, 409], outcomes
    conflict = next(r for r, _ in outcomes if r[0] == 409)[1]
    assert conflict["code"] == "idempotency_request_in_progress"
    assert SandboxCharge.objects.count() == 1


@pytest.mark.django_db
def test_old_keys_are_pruned(settings):
    user = UserFactory()
    old = IdempotencyKey.objects.create(
        user=user,
        key="old",
        method="POST",
        path="/x",
        request_hash="h",
        status="completed",
        response_status=201,
        response_body={},
    )
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    IdempotencyKey.objects.create(user=user, key="new", method="POST", path="/x", request_hash="h")
    assert prune_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_a_silly_key_is_a_400():
    event = on_sale_event(rows=1, seats_per_row=2)
    api = client_for(UserFactory())
    response = api.post(
        "/api/v1/holds",
        {"event": event.id, "quantity": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 300,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"


# Hold requests keep their records in Redis (apps.common.idempotency_redis); the database
# keeps them while Redis is away, and the hold engine's one-live-hold rule covers a lost one.


@pytest.mark.django_db
def test_a_hold_keeps_its_record_in_redis_and_a_retry_is_replayed_from_it():
    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    body = {"event": event.id, "quantity": 2}
    first = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert not IdempotencyKey.objects.exists()
    again = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="r1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = api.post(
        "/api/v1/holds", body | {"quantity": 3}, format="json", HTTP_IDEMPOTENCY_KEY="r1"
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Hold.objects.count() == 1


@pytest.mark.django_db
def test_with_redis_down_a_hold_record_goes_to_the_database(dead_redis):
    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    body = {"event": event.id, "quantity": 2}
    first = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="d1")
    again = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="d1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert IdempotencyKey.objects.filter(key="d1", status="completed").count() == 1
    assert Hold.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_whose_record_redis_lost_is_refused_and_holds_nothing_twice():
    from django.core.cache import cache

    event = on_sale_event(rows=1, seats_per_row=10)
    api = client_for(UserFactory())
    body = {"event": event.id, "quantity": 2}
    first = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="l1")
    cache.clear()  # Redis flushed (or failed over) between the request and its retry
    again = api.post("/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="l1")
    assert first.status_code == 201
    assert again.status_code == 409 and again.json()["code"] == "active_hold_exists"
    assert Hold.objects.filter(status="active").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_holds_with_one_key_hold_once():
    event = on_sale_event(rows=2, seats_per_row=10)
    buyer = UserFactory()
    body = {"event": event.id, "quantity": 2}

    def hold():
        response = client_for(buyer).post(
            "/api/v1/holds", body, format="json", HTTP_IDEMPOTENCY_KEY="same"
        )
        return response.status_code, response.json()

    outcomes = run_at_once([hold for _ in range(6)])
    assert all(error is None for _, error in outcomes), outcomes
    created = [result for result, _ in outcomes if result[0] == 201]
    assert created and all(result[1]["id"] == created[0][1]["id"] for result in created)
    assert {result[0] for result, _ in outcomes} <= {201, 409}
    assert Hold.objects.count() == 1
