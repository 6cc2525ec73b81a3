"""Where the storage is and as whom: explicit URL, else GET /settings; e-mail and token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pytest

from qarnot_async import ConfigurationError
from qarnot_async._redact import Secret
from qarnot_async.storage import DEFAULT_STORAGE_URL, StorageAccess


@attrs.frozen
class Info:
    email: str | None


class Account:
    """A scripted ``client.account``: what GET /settings and GET /info answer."""

    def __init__(self, settings: Mapping[str, Any], email: str | None = "me@example.test") -> None:
        self._settings = settings
        self._email = email
        self.calls: list[str] = []

    async def settings(self) -> Mapping[str, Any]:
        self.calls.append("settings")
        return self._settings

    async def info(self) -> Info:
        self.calls.append("info")
        return Info(self._email)


def access(url: str | None = None, **kwargs: Any) -> StorageAccess:
    options: dict[str, Any] = {"verify": True, "allow_insecure_http": False, **kwargs}
    return StorageAccess(Secret("the-token-123"), url=url, **options)


async def test_an_explicit_url_wins_and_settings_are_not_asked() -> None:
    account = Account({"storage": "https://other.example.test"})
    found = await access("https://mine.example.test").settings(account)
    assert (found.endpoint, found.access_key, found.secret.value) == (
        "https://mine.example.test",
        "me@example.test",
        "the-token-123",
    )
    assert account.calls == ["info"]


async def test_the_service_settings_name_the_storage() -> None:
    found = await access().settings(Account({"storage": "https://s3.example.test"}))
    assert found.endpoint == "https://s3.example.test"


async def test_without_a_storage_key_the_default_storage() -> None:
    found = await access().settings(Account({}))
    assert found.endpoint == DEFAULT_STORAGE_URL == "https://storage.qarnot.com"


async def test_storage_null_means_disabled() -> None:
    with pytest.raises(ConfigurationError, match="storage is disabled"):
        await access().settings(Account({"storage": None}))


async def test_a_storage_in_clear_text_is_refused_unless_allowed() -> None:
    account = Account({"storage": "http://s3.example.test"})
    with pytest.raises(ConfigurationError, match="clear text"):
        await access().settings(account)
    with pytest.warns(RuntimeWarning, match="without TLS"):
        found = await access(allow_insecure_http=True).settings(account)
    assert found.endpoint == "http://s3.example.test"


async def test_no_email_no_access_key() -> None:
    with pytest.raises(ConfigurationError, match="e-mail"):
        await access("https://s.example.test").settings(Account({}, email=None))


def test_views_with_another_token_get_their_own_secret() -> None:
    base = access("https://s.example.test", verify="/ca.pem")
    other = base.with_token("another-token-456")
    assert other.secret.value == "another-token-456"
    assert (other.url, other.verify) == (base.url, base.verify)
    assert "the-token-123" not in repr(base)
    assert "another-token-456" not in repr(other)


async def test_settings_repr_masks_the_secret() -> None:
    found = await access("https://s.example.test").settings(Account({}))
    assert "the-token-123" not in repr(found)
    assert "***" in repr(found)
