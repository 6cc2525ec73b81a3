"""The HTTP layer: the transport seam, the default and mock transports, and the sender.

Layers, top to bottom::

    Client / its views        settings, resources, poller
      Sender (one per view)   token, headers, timeout, retries, hooks, error mapping
      ConnectionPool          the transport, the cap on requests in flight, the counters
        AsyncTransport        sends one Request, returns its Response
          AiohttpTransport    the default: one aiohttp session and connection pool
          MockTransport       answers from a function, no socket

Only the transports know how bytes travel; everything above them is the same for any
transport.
"""

from ._aiohttp import AiohttpTransport
from ._mock import MockHandler, MockTransport
from ._model import (
    DEFAULT_MAX_RESPONSE_BYTES,
    UNSET,
    AsyncTransport,
    HeadersLike,
    Request,
    Response,
    path,
)
from ._sender import (
    READ_ONLY_HEADER,
    UNVERSIONED,
    USER_AGENT,
    ConnectionPool,
    RequestHook,
    RequestOptions,
    ResponseHook,
    Sender,
    TransportStats,
    ViewOptions,
    check_url,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "READ_ONLY_HEADER",
    "UNSET",
    "UNVERSIONED",
    "USER_AGENT",
    "AiohttpTransport",
    "AsyncTransport",
    "ConnectionPool",
    "HeadersLike",
    "MockHandler",
    "MockTransport",
    "Request",
    "RequestHook",
    "RequestOptions",
    "Response",
    "ResponseHook",
    "Sender",
    "TransportStats",
    "ViewOptions",
    "check_url",
    "path",
]
