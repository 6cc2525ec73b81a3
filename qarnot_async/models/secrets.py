"""The secrets manager's bodies (``/secrets-manager/...``, outside ``openapi.json``).

The routes and shapes come from the official SDKs (Python 2.23 ``qarnot/secrets.py``,
C# ``Sdk/Secrets.cs``): ``{"value"}`` both ways, ``{"keys"}`` for a listing.
"""

from __future__ import annotations

import attrs

from ..errors import InvalidInputError
from ._checks import check_str
from ._types import Model

__all__ = ["SECRET_MASK", "SecretKeys", "SecretValue", "secret_key"]

SECRET_MASK = "***"
"""What a secret's value shows as in a ``repr``."""


def secret_key(key: object, name: str = "key", *, allow_empty: bool = False) -> str:
    """A secret key or prefix as the SDKs send it: a string, ``/`` trimmed at both ends.

    Raises:
        InvalidInputError: not a string, or (unless ``allow_empty``) nothing left once
            trimmed.
    """
    if not isinstance(key, str):
        raise InvalidInputError(name, "must be a string such as 'db/password'", key)
    trimmed = key.strip("/")
    if not trimmed and not allow_empty:
        raise InvalidInputError(name, "must name a secret, e.g. 'db/password'", key)
    return trimmed


def _check_value(_inst: object, _attribute: attrs.Attribute[str], value: object) -> None:
    # The value never goes into the error: a wrong type is named, not shown.
    try:
        check_str("value", value)
    except InvalidInputError:
        raise InvalidInputError("value", "a secret's value must be a string") from None


@attrs.frozen(kw_only=True, repr=False)
class SecretValue(Model):
    """A secret's value: the body of a create or update, and the answer of a read.

    Its ``repr`` never shows the value.
    """

    value: str = attrs.field(validator=_check_value)

    def __repr__(self) -> str:
        return f"SecretValue(value={SECRET_MASK!r})"

    __str__ = __repr__


@attrs.frozen(kw_only=True)
class SecretKeys(Model):
    """The answer of ``GET /secrets-manager/search/{prefix}``: keys relative to the
    prefix; a key ending in ``/`` is a folder."""

    keys: tuple[str, ...] = ()
