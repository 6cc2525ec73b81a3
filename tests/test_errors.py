"""errors.error_from_response: the one mapping from an error answer to an exception."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qarnot_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    NotEnoughCreditsError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
)
from qarnot_async._redact import Secret
from qarnot_async.errors import error_from_response, parse_retry_after

JSON = {"Content-Type": "application/json"}


def answer(status: int, body: Any = None, **headers: str) -> APIError:
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    return error_from_response(status, {**JSON, **headers}, raw, "GET", "/tasks/x")


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, NotEnoughCreditsError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (418, APIError),
    ],
)
def test_status_maps_to_class(status: int, cls: type[APIError]) -> None:
    err = answer(status, {"message": f"msg {status}"})
    assert type(err) is cls
    assert (err.status, err.message) == (status, f"msg {status}")
    assert (err.method, err.path) == ("GET", "/tasks/x")
    assert str(err) == f"GET /tasks/x: {status} msg {status}"
    assert err.details == {"message": f"msg {status}"}


def test_quota_message_maps_to_quota_error() -> None:
    err = answer(403, {"message": "maximum number of tasks reached"})
    assert type(err) is QuotaExceededError
    assert type(answer(403, {"message": "read-only"})) is ForbiddenError


def test_problem_json_field_errors() -> None:
    body = {
        "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"Name": ["The Name field is required."], "Count": "must be > 0"},
    }
    err = answer(400, body)
    assert isinstance(err, BadRequestError)
    assert err.field_errors == {
        "Name": ["The Name field is required."],
        "Count": ["must be > 0"],
    }
    assert err.message == (
        "One or more validation errors occurred. - "
        "Name: The Name field is required.; Count: must be > 0"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "invalid_token"}, "invalid_token"),
        ({"error": {"message": "nested"}}, "nested"),
        ({"message": "same", "detail": "same"}, "same"),
        ({"title": "T", "detail": "D"}, "T - D"),
        ("a JSON string", "a JSON string"),
        ([1, 2], "Not Found"),
        ({"unrelated": 1}, "Not Found"),
    ],
)
def test_json_messages(body: Any, message: str) -> None:
    assert answer(404, body).message == message


def test_text_html_and_empty_bodies() -> None:
    text = error_from_response(
        404, {"Content-Type": "text/plain"}, b"  no such thing \n", "GET", "/b"
    )
    assert text.message == "no such thing"
    assert text.details is None
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>"
    html = error_from_response(502, {"Content-Type": "text/html"}, page, "GET", "/c")
    assert (type(html), html.message) == (ServerError, "502 Bad Gateway")
    untitled = error_from_response(503, {}, b"<p>down\n   for <b>maintenance</b></p>", "GET", "/d")
    assert untitled.message == "down for maintenance"
    assert answer(404, b"").message == "Not Found"
    assert answer(599, b"").message == "error"
    long = error_from_response(500, {}, b"x" * 5000, "GET", "/e")
    assert len(long.message) == 500


def test_invalid_json_with_a_json_content_type_is_read_as_text() -> None:
    assert answer(500, b"Internal failure, not JSON").message == "Internal failure, not JSON"


def test_token_is_masked_in_message_and_details() -> None:
    secret = Secret("tok-ERRORS-9d2e7c")
    body = {"message": f"bad token {secret.value}", "echo": [{"auth": secret.value}]}
    err = answer(401, body)
    assert secret.value not in err.message
    assert err.message == "bad token ***"
    assert err.details == {"message": "bad token ***", "echo": [{"auth": "***"}]}
    assert secret.value not in str(err) + repr(err)
    text = error_from_response(401, {}, f"echo {secret.value}".encode(), "GET", "/x")
    assert text.message == "echo ***"


def test_retry_after_is_read() -> None:
    assert answer(429, {}, **{"Retry-After": "7"}).retry_after == 7.0
    assert answer(503, {}).retry_after is None


def test_retry_after_beyond_the_cap_is_rate_limited_whatever_the_status() -> None:
    err = error_from_response(503, {"Retry-After": "3600"}, b"", "GET", "/info", max_retry_after=60)
    assert type(err) is RateLimitedError
    assert err.status == 503
    assert err.retry_after == 3600
    assert "more than max_retry_after=60s" in err.message
    within = error_from_response(503, {"Retry-After": "30"}, b"", "GET", "/i", max_retry_after=60)
    assert type(within) is ServerError


def test_parse_retry_after() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412475.0) == 5.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00", now=1445412475.0) == 5.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("  ") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("3.5") == 3.5
    assert parse_retry_after("-4") == 0.0
