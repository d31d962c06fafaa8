import pytest
from django.test import RequestFactory

from apps.common.views import server_error

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/events/abc", "/api/v2/events", "/api/"]
)
def test_an_unknown_api_url_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "not_found",
        "detail": "There is no API endpoint at this address.",
    }


@pytest.mark.parametrize("body", ['{"email": "a@example.com",', "{'single': 'quotes'}", "nul"])
def test_malformed_json_is_a_400_parse_error(api_client, body):
    response = api_client.post(REGISTER, body, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "parse_error"
    assert payload["detail"].startswith("JSON parse error")


@pytest.mark.parametrize("key", [None, "retry-1"])
def test_malformed_json_to_an_authenticated_endpoint_is_a_400(buyer_client, key):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = buyer_client.post(
        "/api/v1/holds", '{"event": 1, "seats": [1,', content_type="application/json", **headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "42", "null"])
def test_json_that_is_not_an_object_is_a_validation_error(api_client, body):
    response = api_client.post(REGISTER, body, content_type="application/json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "validation_error"
    assert "fields" in payload


def test_a_form_post_to_the_json_api_is_a_415(api_client):
    response = api_client.post(REGISTER, {"email": "a@example.com", "password": "x"})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_wrong_method_is_a_405_in_the_error_shape(api_client):
    response = api_client.delete("/api/v1/events")
    assert response.status_code == 405
    assert response.json() == {
        "code": "method_not_allowed",
        "detail": 'Method "DELETE" not allowed.',
    }


def test_a_crash_under_the_api_is_answered_in_json():
    request = RequestFactory().get("/api/v1/events")
    request.request_id = "abc123"
    response = server_error(request)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.content.startswith(b'{"code": "server_error"')
    assert b'"request_id": "abc123"' in response.content
