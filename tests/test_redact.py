"""Token redaction: strings, decoded JSON, and the qarnot_async logger."""

from __future__ import annotations

import gc
import logging

import pytest

from qarnot_async._redact import Secret, redact, redact_data


def test_redact_masks_registered_tokens_only_while_they_live() -> None:
    secret = Secret("tok-REDACT-77aa01")
    assert redact(f"a {secret.value} b {secret.value}") == "a *** b ***"
    assert repr(secret) == "Secret('***')"
    value = secret.value
    del secret
    gc.collect()
    assert redact(f"a {value}") == f"a {value}"  # nobody holds it any more


def test_short_stub_tokens_are_not_masked() -> None:
    stub = Secret("t")
    assert redact("the task") == "the task"
    assert stub.value == "t"


def test_redact_data_walks_json() -> None:
    secret = Secret("tok-REDACT-data-1")
    data = {"a": [secret.value, 1, None, {"k": f"x{secret.value}"}], secret.value: True}
    assert redact_data(data) == {"a": ["***", 1, None, {"k": "x***"}], "***": True}


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret("tok-REDACT-log-42")
    caplog.set_level(logging.INFO)
    logging.getLogger("qarnot_async").info("token %s in %s", secret.value, "args")
    assert caplog.records[-1].getMessage() == "token *** in args"
    assert secret.value not in caplog.text
