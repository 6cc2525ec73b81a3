"""``client.secrets`` over HTTP against the emulator: every verb and its errors, and a
secret's value kept out of reprs, errors and logs."""

from __future__ import annotations

import logging

import pytest

from qarnot_async import (
    Client,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    SecretConflictError,
    SecretNotFoundError,
)
from qarnot_async._transport import Request
from qarnot_async.emulator import Emulator
from qarnot_async.models import SecretValue

VALUE = "correct-horse-battery-staple"


async def test_create_get_update_delete(qarnot_client: Client) -> None:
    secrets = qarnot_client.secrets
    assert await secrets.create("/db/password/", VALUE) == "db/password"
    assert await secrets.get("db/password") == VALUE
    await secrets.update("/db/password", "new-value-123")
    assert await secrets.get("db/password") == "new-value-123"
    await secrets.delete("db/password")
    with pytest.raises(SecretNotFoundError) as caught:
        await secrets.get("db/password")
    assert isinstance(caught.value, NotFoundError)
    assert caught.value.key == "db/password"


async def test_missing_and_existing_keys_raise_typed_errors(qarnot_client: Client) -> None:
    secrets = qarnot_client.secrets
    with pytest.raises(SecretNotFoundError):
        await secrets.update("nope", VALUE)
    with pytest.raises(SecretNotFoundError):
        await secrets.delete("nope")
    await secrets.create("k", VALUE)
    with pytest.raises(SecretConflictError) as caught:
        await secrets.create("k", VALUE)
    assert isinstance(caught.value, ConflictError)
    assert caught.value.status == 409
    assert caught.value.path == "/secrets-manager/data/k"
    assert VALUE not in str(caught.value)
    assert VALUE not in repr(caught.value)


async def test_list_direct_children_and_recursively(qarnot_client: Client) -> None:
    secrets = qarnot_client.secrets
    for key in ("app/db/user", "app/db/password", "app/token", "other"):
        await secrets.create(key, VALUE)
    assert sorted(await secrets.list()) == ["app/", "other"]
    assert sorted(await secrets.list("/app/")) == ["app/db/", "app/token"]
    assert sorted(await secrets.list("app", recursive=True)) == [
        "app/db/password",
        "app/db/user",
        "app/token",
    ]
    assert sorted(await secrets.list(recursive=True)) == [
        "app/db/password",
        "app/db/user",
        "app/token",
        "other",
    ]
    assert await secrets.list("missing") == []


async def test_the_routes_are_outside_the_version_prefix(qarnot_emulator: Emulator) -> None:
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url.raw_path)

    async with qarnot_emulator.client(on_request=[record]) as client:
        await client.secrets.create("a b/c", VALUE)
        await client.secrets.list("a b")
    assert seen == ["/secrets-manager/data/a%20b/c", "/secrets-manager/search/a%20b"]


@pytest.mark.parametrize("key", ["", "/", "//", 3, None])
async def test_bad_keys_are_refused_before_sending(qarnot_client: Client, key: object) -> None:
    with pytest.raises(InvalidInputError, match="key"):
        await qarnot_client.secrets.get(key)  # type: ignore[arg-type]
    assert qarnot_client.stats.requests == 0


async def test_a_value_that_is_not_a_string_is_refused_unseen(qarnot_client: Client) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await qarnot_client.secrets.create("k", 12345678901)  # type: ignore[arg-type]
    assert "12345678901" not in str(caught.value)
    assert qarnot_client.stats.requests == 0


def test_a_secret_value_never_shows_in_a_repr() -> None:
    held = SecretValue(value=VALUE)
    assert VALUE not in repr(held)
    assert VALUE not in str(held)
    assert held.value == VALUE


async def test_the_value_is_masked_in_logs_while_in_flight(
    qarnot_emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("qarnot_async")  # the logger the SDK masks

    def log_body(request: Request) -> None:
        logger.warning("sending %s", request.body)

    caplog.set_level(logging.WARNING, "qarnot_async")
    async with qarnot_emulator.client(on_request=[log_body]) as client:
        await client.secrets.create("k", VALUE)
    assert caplog.records
    assert VALUE not in caplog.text
