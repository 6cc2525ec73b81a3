"""The text of an error answer: message, reason phrase, Retry-After (pure functions)."""

from __future__ import annotations

import pytest

from qarnot_async._error_text import json_message, parse_retry_after, status_phrase, text_message


def test_parse_retry_after() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412475.0) == 5.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00", now=1445412475.0) == 5.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("  ") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("3.5") == 3.5
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412485.0) == 0.0  # past


@pytest.mark.parametrize("value", ["-4", "-0.5", "nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_a_senseless_retry_after_is_none(value: str) -> None:
    assert parse_retry_after(value) is None


def test_json_message() -> None:
    assert json_message({"message": "m", "title": "t", "detail": "m"}) == "m - t"
    assert json_message({"error": {"message": "nested"}}) == "nested"
    assert json_message({"errors": {"Name": ["required", "short"]}}) == "Name: required, short"
    assert json_message(" text ") == "text"
    assert json_message([1, 2]) is None
    assert json_message({}) is None


def test_text_message() -> None:
    assert text_message("text/html", "<html><title> 502  Bad\nGateway </title></html>") == (
        "502 Bad Gateway"
    )
    assert text_message("text/plain", "a\x00b\x1bc") == "abc"  # no control characters
    assert text_message("text/plain", "x" * 600) == "x" * 500
    assert text_message("text/plain", "   ") is None


def test_status_phrase() -> None:
    assert status_phrase(404) == "Not Found"
    assert status_phrase(302) == "Found"
    assert status_phrase(599) == "error"
