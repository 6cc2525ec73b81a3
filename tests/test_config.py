"""Client.from_env and Client.from_config_file."""

from __future__ import annotations

from pathlib import Path

import pytest

from qarnot_async import Client, ConfigurationError


def test_from_env_reads_official_variables() -> None:
    env = {
        "QARNOT_CLIENT_TOKEN": "t0k",
        "QARNOT_CLUSTER_URL": "https://cluster.example.test",
        "QARNOT_CLUSTER_UNSAFE": "true",
        "QARNOT_CLUSTER_TIMEOUT": "12",
    }
    c = Client.from_env(env)
    assert c.cluster_url == "https://cluster.example.test"
    assert c._transport.verify_ssl is False
    assert c._transport.timeout == 12.0
    assert str(c._transport.base_url) == "https://cluster.example.test/v1"


def test_explicit_arguments_win_over_env() -> None:
    env = {"QARNOT_CLIENT_TOKEN": "t0k", "QARNOT_CLUSTER_URL": "https://a.example.test"}
    c = Client.from_env(env, cluster_url="https://b.example.test", timeout=3)
    assert c.cluster_url == "https://b.example.test"
    assert c._transport.timeout == 3


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
    c = Client.from_config_file(conf)
    assert c.cluster_url == "https://conf.example.test"
    assert c._transport.timeout == 7
    assert c._transport.verify_ssl is True
    assert c._transport.ca_file == "/etc/ssl/ca.pem"
    assert c._transport._secret.value == "from-file"
    c2 = Client.from_config_file(conf, api_version=None, timeout=1)
    assert str(c2._transport.base_url) == "https://conf.example.test"
    assert c2._transport.timeout == 1


def test_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read config file"):
        Client.from_config_file(tmp_path / "missing.conf")
    bad = tmp_path / "bad.conf"
    bad.write_text("not an ini file")
    with pytest.raises(ConfigurationError, match="not a valid INI"):
        Client.from_config_file(bad)


async def test_unreadable_ca_file_is_a_configuration_error() -> None:
    async with Client("t", cluster_url="https://x.example.test", ca_file="/nonexistent.pem") as c:
        with pytest.raises(ConfigurationError, match="CA file"):
            await c.request("GET", "/info")
