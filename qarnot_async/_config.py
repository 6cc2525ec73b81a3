"""Client settings from the environment and from the official SDK's ``qarnot.conf``.

Both sources produce a plain ``dict`` of :class:`~qarnot_async.Client` keyword
arguments, so the client has one constructor and one validation path. Users already
set these for the official SDKs, so the names and the INI layout are theirs::

    QARNOT_CLIENT_TOKEN     token
    QARNOT_CLUSTER_URL      cluster_url
    QARNOT_CLUSTER_UNSAFE   verify_ssl = False   ("true", "True", "1", "yes")
    QARNOT_CLUSTER_TIMEOUT  timeout (seconds)
    QARNOT_STORAGE_URL      storage_url

    [cluster]
    url = https://api.qarnot.com
    unsafe = false
    timeout = 30
    custom_certificate = /path/to/ca.pem
    [client]
    token = ...
    [storage]
    url = https://storage.qarnot.com
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigurationError

__all__ = ["settings_from_env", "settings_from_file"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean; use true or false")


def _parse_timeout(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} is not a number of seconds; use e.g. 30 or 2.5"
        ) from None
    if value <= 0:
        raise ConfigurationError(f"{name}={raw!r} must be a positive number of seconds")
    return value


def settings_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read the official SDKs' environment variables into Client keyword arguments.

    Variables that are unset are left out, so the Client's defaults apply.
    """
    env = os.environ if environ is None else environ
    settings: dict[str, Any] = {}
    if token := env.get("QARNOT_CLIENT_TOKEN"):
        settings["token"] = token
    if url := env.get("QARNOT_CLUSTER_URL"):
        settings["cluster_url"] = url
    if (unsafe := env.get("QARNOT_CLUSTER_UNSAFE")) is not None:
        settings["verify_ssl"] = not _parse_bool("QARNOT_CLUSTER_UNSAFE", unsafe)
    if (timeout := env.get("QARNOT_CLUSTER_TIMEOUT")) is not None:
        settings["timeout"] = _parse_timeout("QARNOT_CLUSTER_TIMEOUT", timeout)
    if storage := env.get("QARNOT_STORAGE_URL"):
        settings["storage_url"] = storage
    return settings


def settings_from_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an official-SDK ``qarnot.conf`` INI file into Client keyword arguments."""
    parser = configparser.ConfigParser()
    file = Path(path)
    try:
        with file.open(encoding="utf-8") as fh:
            parser.read_file(fh)
    except OSError as exc:
        raise ConfigurationError(f"cannot read config file {file}: {exc.strerror}") from None
    except configparser.Error as exc:
        raise ConfigurationError(f"config file {file} is not a valid INI file: {exc}") from None

    settings: dict[str, Any] = {}
    if parser.has_option("client", "token"):
        settings["token"] = parser.get("client", "token").strip()
    if parser.has_section("cluster"):
        cluster = parser["cluster"]
        if url := cluster.get("url", "").strip():
            settings["cluster_url"] = url
        if "unsafe" in cluster:
            settings["verify_ssl"] = not _parse_bool("[cluster] unsafe", cluster["unsafe"])
        if timeout := cluster.get("timeout", "").strip():
            settings["timeout"] = _parse_timeout("[cluster] timeout", timeout)
        if cert := cluster.get("custom_certificate", "").strip():
            settings["ca_file"] = cert
    if parser.has_option("storage", "url") and (storage := parser.get("storage", "url").strip()):
        settings["storage_url"] = storage
    return settings
