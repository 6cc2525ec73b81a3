"""Resume tokens: where a consumer stands, bound to the query it streams.

A token is ``qa1.`` and the URL-safe base64 of a small JSON object: the position(s)
and the fingerprint of the query (endpoint, filter, order, parallelism). A token of
another query is refused, so a resume can never skip or repeat items silently.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..errors import InvalidInputError, PaginationError

__all__ = ["Position", "decode", "encode", "fingerprint"]

_PREFIX: Final = "qa1."


@attrs.frozen(slots=True)
class Position:
    """Where a consumer stands in one token chain: the cursor of its page (``None``:
    the first), the items of that page already handed out, the page size asked."""

    cursor: str | None
    skip: int
    size: int

    def to_json(self) -> list[Any]:
        """``[cursor, skip, size]``."""
        return [self.cursor, self.skip, self.size]

    @classmethod
    def from_json(cls, value: Any) -> Position:
        """The inverse of :meth:`to_json`; raises ``ValueError`` on anything else."""
        cursor, skip, size = value
        if cursor is not None and not isinstance(cursor, str):
            raise ValueError(cursor)
        return cls(cursor, int(skip), int(size))


def fingerprint(query: Mapping[str, Any]) -> str:
    """A short hash of what identifies a query."""
    canonical = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(payload: Mapping[str, Any], query: str) -> str:
    """The token of ``payload`` (JSON) for the query of fingerprint ``query``."""
    raw = json.dumps({**payload, "q": query}, separators=(",", ":")).encode()
    return _PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str, query: str) -> dict[str, Any]:
    """The payload of ``token``, checked to belong to the query ``query``.

    Raises:
        InvalidInputError: not a resume token, or a corrupted one.
        PaginationError: a token of another query.
    """
    if not isinstance(token, str) or not token.startswith(_PREFIX):
        raise InvalidInputError(
            "start_token", "not a resume token from AsyncPaginator.resume_token", token
        )
    body = token[len(_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        owner = data.pop("q")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidInputError("start_token", "the resume token is corrupted", token) from None
    if owner != query:
        raise PaginationError(
            "this resume token belongs to another query (filter, order, parallelism or "
            "endpoint): resume with the same arguments as the paginator that produced it"
        )
    if not isinstance(data, dict):
        raise InvalidInputError("start_token", "the resume token is corrupted", token)
    return data
