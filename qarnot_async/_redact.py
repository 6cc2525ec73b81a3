"""Keeping tokens out of text: every token a client holds is masked wherever the SDK writes.

A :class:`Secret` registers its value for as long as it lives; :func:`redact` masks every
registered value in a string, :func:`redact_data` in a decoded JSON value, and a filter
on the ``qarnot_async`` logger masks them in every log record, whoever formats it.
This module imports nothing of the package, so the errors and the transport can both
use it without an import cycle.
"""

from __future__ import annotations

import logging
import weakref
from typing import Any, Final

__all__ = ["MASK", "TOO_DEEP", "Secret", "redact", "redact_data"]

MASK: Final = "***"
"""What a token is replaced with."""

TOO_DEEP: Final = "<nested too deep>"
"""What :func:`redact_data` puts in place of containers nested deeper than ``_MAX_DEPTH``."""
_MAX_DEPTH: Final = 100

# Shorter "tokens" (test stubs like "t") are no secret, and masking them would mangle
# every message that happens to contain those letters.
_MIN_REDACTED: Final = 8

# Weak values: a token stops being masked once no client holds it any more, so a web
# backend making one view per request does not grow this table without bound.
_SECRETS: weakref.WeakValueDictionary[int, Secret] = weakref.WeakValueDictionary()


class Secret:
    """A token, registered for redaction while this object lives; its repr shows ``***``."""

    __slots__ = ("__weakref__", "value")

    def __init__(self, value: str) -> None:
        self.value = value
        _SECRETS[id(self)] = self

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"


def redact(text: str) -> str:
    """``text`` with every registered token replaced by ``***``."""
    for secret in list(_SECRETS.values()):
        if len(secret.value) >= _MIN_REDACTED and secret.value in text:
            text = text.replace(secret.value, MASK)
    return text


def redact_data(value: Any, _depth: int = 0) -> Any:
    """A decoded JSON value with every registered token masked in its strings.

    Containers nested deeper than any real answer are replaced by a placeholder: a
    hostile body must not make the redaction itself overflow the stack.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):  # a raw body kept on a DecodeError
        for secret in list(_SECRETS.values()):
            if len(secret.value) >= _MIN_REDACTED:
                value = value.replace(secret.value.encode(), MASK.encode())
        return value
    if isinstance(value, dict | list) and _depth >= _MAX_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        return {redact_data(k, _depth + 1): redact_data(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_data(v, _depth + 1) for v in value]
    return value


class _RedactingFilter(logging.Filter):
    """Masks tokens in records of the ``qarnot_async`` logger, whoever formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


logging.getLogger("qarnot_async").addFilter(_RedactingFilter())
