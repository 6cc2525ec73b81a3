"""qarnot_async: the async-first SDK for the Qarnot Compute API.

Start with :class:`Client`::

    async with qarnot_async.Client.from_env() as client:
        ...
"""

from ._client import DEFAULT_CLUSTER_URL, Client
from ._retry import RetryEvent, RetryPolicy
from ._transport import (
    AiohttpTransport,
    AsyncTransport,
    MockTransport,
    Request,
    Response,
    TransportStats,
)
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
    RedirectError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerError,
    TaskFailedError,
    TransportError,
    WaitTimeoutError,
)
from .filters import F
from .models import (
    Job,
    JobCreate,
    JobState,
    Pool,
    PoolCreate,
    PoolState,
    PoolSummary,
    Task,
    TaskCreate,
    TaskState,
    TaskSummary,
)
from .pagination import AsyncPaginator, Page
from .polling import PollPolicy, StateChange
from .resources import CreateResult, CreateResults, SecretConflictError, SecretNotFoundError

__all__ = [
    "DEFAULT_CLUSTER_URL",
    "APIError",
    "AiohttpTransport",
    "AsyncPaginator",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "BulkCreateError",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "CreateResult",
    "CreateResults",
    "DecodeError",
    "F",
    "ForbiddenError",
    "InvalidInputError",
    "Job",
    "JobCreate",
    "JobState",
    "MockTransport",
    "NotEnoughCreditsError",
    "NotFoundError",
    "Page",
    "PaginationError",
    "PollPolicy",
    "Pool",
    "PoolCreate",
    "PoolState",
    "PoolSummary",
    "QarnotError",
    "QuotaExceededError",
    "RateLimitedError",
    "RedirectError",
    "Request",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "Response",
    "RetryEvent",
    "RetryPolicy",
    "SecretConflictError",
    "SecretNotFoundError",
    "ServerError",
    "StateChange",
    "Task",
    "TaskCreate",
    "TaskFailedError",
    "TaskState",
    "TaskSummary",
    "TransportError",
    "TransportStats",
    "WaitTimeoutError",
    "__version__",
]
