"""Shared test configuration."""

from __future__ import annotations

import inspect
from typing import Any

import aioresponses.core as _aioresponses_core
from aiohttp import ClientResponse

# Compat shim: aiohttp 3.14 added a required keyword-only `stream_writer` argument to
# ClientResponse.__init__, which aioresponses 0.7.9 does not pass
# ("ClientResponse.__init__() missing ... 'stream_writer'", upstream issue
# pnuckowski/aioresponses#289). Until upstream releases a fix, hand aioresponses a
# subclass that supplies the missing argument. Remove this once aioresponses passes it.
if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:

    class _NoUploadWriter:
        # aiohttp only reads how many bytes were sent; a mocked response sent none.
        output_size = 0

    class _CompatClientResponse(ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _NoUploadWriter())
            super().__init__(method, url, **kwargs)

    _aioresponses_core.ClientResponse = _CompatClientResponse  # type: ignore[misc]
