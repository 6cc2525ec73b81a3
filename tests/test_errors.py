"""errors.error_from_response: the one mapping from an error answer to an exception."""

from __future__ import annotations

import json
import traceback
from typing import Any

import pytest

from qarnot_async import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BulkCreateError,
    ConflictError,
    ConnectError,
    DecodeError,
    ForbiddenError,
    InvalidInputError,
    NotEnoughCreditsError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    RedirectError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)
from qarnot_async._redact import Secret
from qarnot_async.errors import MAX_ERROR_BODY, error_from_response

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


@pytest.mark.parametrize("value", ["-4", "-0.5", "nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_senseless_retry_after_falls_back_to_the_backoff(value: str) -> None:
    err = error_from_response(429, {"Retry-After": value}, b"", "GET", "/i", max_retry_after=60)
    assert err.retry_after is None
    assert "inf" not in str(err)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_naming_the_status_and_the_location(status: int) -> None:
    where = "https://elsewhere.example/v1/tasks"
    err = error_from_response(status, {"Location": where}, b"", "GET", "/tasks")
    assert type(err) is RedirectError
    assert (err.status, err.location) == (status, where)
    assert str(err).startswith(f"GET /tasks: {status} ")
    assert where in str(err)
    assert "not followed" in str(err)
    bare = error_from_response(302, {}, b"", "POST", "/tasks")
    assert bare.location is None
    assert "(no Location)" in str(bare)


def test_the_error_body_is_read_up_to_its_cap() -> None:
    huge = json.dumps({"message": "m", "pad": "x" * (2 * MAX_ERROR_BODY)}).encode()
    err = error_from_response(500, JSON, huge, "GET", "/tasks")
    # Cut at the cap, the JSON no longer parses: the text is the message, bounded.
    assert type(err) is ServerError
    assert err.details is None
    assert len(err.message) <= 500


@pytest.mark.parametrize("body", [b"[" * 200_000, b"[" * 990 + b"]" * 990, b'{"a":' * 5000])
def test_a_deeply_nested_error_body_is_no_recursion_error(body: bytes) -> None:
    err = error_from_response(400, JSON, body, "POST", "/tasks")
    assert type(err) is BadRequestError
    assert len(str(err)) < 1000


def test_the_token_is_masked_in_every_field_of_every_error() -> None:
    secret = Secret("tok-FIELDS-3f9a1b77")
    token = secret.value
    errors: list[Exception] = [
        answer(400, {"message": token, "errors": {token: [token]}, token: token}),
        error_from_response(302, {"Location": f"https://x.example/?t={token}"}, b"", "GET", "/t"),
        error_from_response(500, {}, f"<title>{token}</title>".encode(), "GET", f"/t/{token}"),
        DecodeError("uuid", f"bad {token}", {"uuid": token, "raw": token.encode()}, where=token),
        DecodeError("$", "not JSON", token.encode() * 3),
        TransportError(f"failed: {token}", method="GET", path=f"/tasks/{token}"),
        ConnectError(f"lost {token}", path=token),
        BulkCreateError([(0, 400, f"refused {token}")]),
        InvalidInputError("name", f"bad {token}", "x"),
        WaitTimeoutError(f"waited {token}"),
    ]
    for err in errors:
        seen = [str(err), repr(err), repr(err.args), repr(vars(err))]
        seen += traceback.format_exception(err)
        assert not [text for text in seen if token in text], type(err).__name__


def test_a_decode_error_shows_a_cut_value() -> None:
    err = DecodeError("uuid", "too long", "u" * 50_000_000, where="GET /tasks/x")
    assert len(str(err)) < 400
    assert "characters)" in str(err)
