"""The text of an error answer: its message, its status's phrase, its ``Retry-After``.

Pure functions over what came on the wire, used by
:func:`~qarnot_async.errors.error_from_response`, the one mapping from an answer to an
exception. They import nothing of the package.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Mapping
from datetime import UTC
from http import HTTPStatus
from typing import Any

__all__ = [
    "MAX_ERROR_BODY",
    "json_message",
    "parse_retry_after",
    "status_phrase",
    "text_message",
]

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")
# Control characters (a binary body read as text) would garble a terminal.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A message is for humans: a whole HTML page or a stack trace would bury the point.
_MAX_MESSAGE = 500
MAX_ERROR_BODY = 64 * 1024
"""The most of an error answer's body that is read and mapped (bytes): a message and its
details fit in far less, and a 50 MB error page must not be read whole."""


def json_message(details: Any) -> str | None:
    """The message of a JSON error body: ``message``/``title``/``detail``/``error`` and
    the problem+json field errors, joined."""
    if isinstance(details, str):
        return details.strip() or None
    if not isinstance(details, Mapping):
        return None
    parts: list[str] = []
    for key in ("message", "title", "detail", "error"):
        value = details.get(key)
        if isinstance(value, Mapping):  # {"error": {"message": ...}}
            value = value.get("message")
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    errors = details.get("errors")
    if isinstance(errors, Mapping) and errors:
        parts.append(
            "; ".join(
                f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in errors.items()
            )
        )
    return " - ".join(parts) or None


def text_message(content_type: str, text: str) -> str | None:
    """The message of a text or HTML error body (a proxy's error page, say)."""
    text = _CONTROL_RE.sub("", text).strip()
    if "html" in content_type or text.startswith("<"):
        title = _TITLE_RE.search(text)
        text = title.group(1) if title else _TAG_RE.sub(" ", text)
        text = _SPACE_RE.sub(" ", text).strip()
    return text[:_MAX_MESSAGE] or None


def status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    ``None`` when there is none or it makes no sense (negative, NaN, infinite, garbage):
    the caller then falls back to its own backoff rather than retrying at once or never.
    A date in the past is 0 (retry now).
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)
