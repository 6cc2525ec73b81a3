"""qarnot_async: the async-first SDK for the Qarnot Compute API.

Start with :class:`Client`::

    async with qarnot_async.Client.from_env() as client:
        ...
"""

from ._client import DEFAULT_CLUSTER_URL, Client
from ._retry import RetryEvent, RetryPolicy
from ._transport import TransportStats
from ._version import __version__
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    BulkCreateError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    DecodeError,
    ForbiddenError,
    InvalidInputError,
    NotEnoughCreditsError,
    NotFoundError,
    PaginationError,
    QarnotError,
    QuotaExceededError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)

__all__ = [
    "DEFAULT_CLUSTER_URL",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BulkCreateError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "DecodeError",
    "ForbiddenError",
    "InvalidInputError",
    "NotEnoughCreditsError",
    "NotFoundError",
    "PaginationError",
    "QarnotError",
    "QuotaExceededError",
    "RateLimitedError",
    "RequestTimeoutError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "TaskFailedError",
    "TransportError",
    "TransportStats",
    "WaitTimeoutError",
    "__version__",
]
