"""Client.from_env and Client.from_config_file."""

from __future__ import annotations

from pathlib import Path

import pytest

from qarnot_async import (
    AiohttpTransport,
    Client,
    ConfigurationError,
    MockTransport,
    Request,
    Response,
)
from qarnot_async._config import settings_from_env, settings_from_file


def default_transport(c: Client) -> AiohttpTransport:
    assert isinstance(c.transport, AiohttpTransport)
    return c.transport


def test_from_env_reads_official_variables() -> None:
    env = {
        "QARNOT_CLIENT_TOKEN": "t0k",
        "QARNOT_CLUSTER_URL": "https://cluster.example.test",
        "QARNOT_CLUSTER_UNSAFE": "true",
        "QARNOT_CLUSTER_TIMEOUT": "12",
        "QARNOT_STORAGE_URL": "https://storage.example.test",
    }
    assert settings_from_env(env) == {
        "token": "t0k",
        "cluster_url": "https://cluster.example.test",
        "verify_ssl": False,
        "timeout": 12.0,
        "storage_url": "https://storage.example.test",
    }
    c = Client.from_env(env)
    assert c.cluster_url == "https://cluster.example.test"
    assert c.storage_url == "https://storage.example.test"
    assert default_transport(c).verify_ssl is False
    assert c.timeout == 12.0


async def test_from_env_sends_the_token_to_the_versioned_url() -> None:
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(f"{request.headers['Authorization']} {request.url}")
        return Response.from_json({})

    env = {"QARNOT_CLIENT_TOKEN": "t0k", "QARNOT_CLUSTER_URL": "https://cluster.example.test"}
    async with Client.from_env(env, transport=MockTransport(handler)) as c:
        await c.request("GET", "/info")
    assert seen == ["t0k https://cluster.example.test/v1/info"]


def test_explicit_arguments_win_over_env() -> None:
    env = {"QARNOT_CLIENT_TOKEN": "t0k", "QARNOT_CLUSTER_URL": "https://a.example.test"}
    c = Client.from_env(env, cluster_url="https://b.example.test", timeout=3)
    assert c.cluster_url == "https://b.example.test"
    assert c.timeout == 3


def test_from_env_without_token() -> None:
    with pytest.raises(ConfigurationError, match="QARNOT_CLIENT_TOKEN"):
        Client.from_env({})


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("QARNOT_CLUSTER_UNSAFE", "maybe", "not a boolean"),
        ("QARNOT_CLUSTER_TIMEOUT", "soon", "not a number"),
        ("QARNOT_CLUSTER_TIMEOUT", "-1", "positive"),
    ],
)
def test_from_env_bad_values(name: str, value: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Client.from_env({"QARNOT_CLIENT_TOKEN": "t", name: value})


def test_from_config_file(tmp_path: Path) -> None:
    conf = tmp_path / "qarnot.conf"
    conf.write_text(
        "[cluster]\nurl = https://conf.example.test\nunsafe = false\ntimeout = 7\n"
        "custom_certificate = /etc/ssl/ca.pem\n[client]\ntoken = from-file\n"
        "[storage]\nurl = https://storage.example.test\n"
    )
    assert settings_from_file(conf) == {
        "token": "from-file",
        "cluster_url": "https://conf.example.test",
        "verify_ssl": True,
        "timeout": 7.0,
        "ca_file": "/etc/ssl/ca.pem",
        "storage_url": "https://storage.example.test",
    }
    c = Client.from_config_file(conf)
    assert c.cluster_url == "https://conf.example.test"
    assert c.storage_url == "https://storage.example.test"
    assert c.timeout == 7
    assert default_transport(c).verify_ssl is True
    assert default_transport(c).ca_file == "/etc/ssl/ca.pem"
    c2 = Client.from_config_file(conf, api_version=None, timeout=1)
    assert c2.api_version is None
    assert c2.timeout == 1


def test_storage_url_defaults_to_the_service_settings(tmp_path: Path) -> None:
    conf = tmp_path / "qarnot.conf"
    conf.write_text("[client]\ntoken = from-file\n[storage]\nurl =\n")
    assert "storage_url" not in settings_from_file(conf)
    assert Client.from_config_file(conf).storage_url is None
    env = {"QARNOT_CLIENT_TOKEN": "t", "QARNOT_STORAGE_URL": ""}
    assert Client.from_env(env).storage_url is None


def test_storage_url_is_checked_like_the_cluster_url() -> None:
    with pytest.raises(ConfigurationError, match="clear text"):
        Client("t", storage_url="http://storage.example.test")
    with pytest.raises(ConfigurationError):
        Client("t", storage_url="not a url")
    local = Client("t", storage_url="http://127.0.0.1:9000")
    assert local.storage_url == "http://127.0.0.1:9000"


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read config file"):
        Client.from_config_file(tmp_path / "missing.conf")
    bad = tmp_path / "bad.conf"
    bad.write_text("not an ini file")
    with pytest.raises(ConfigurationError, match="not a valid INI"):
        Client.from_config_file(bad)
