"""The resources hung off :class:`~qarnot_async.Client`: ``client.tasks`` and friends.

Resources see the client only through the narrow :class:`Requester` protocol (one
request path and the poller), so they never import the client.
"""

from ._collection import Collection
from ._creating import CreateResult, CreateResults
from ._footprint import WithFootprint
from ._listing import Listing
from ._paging import OffsetPageReader, PageReader
from ._requester import Requester
from ._watching import StateSighting
from .catalog import Account, Hardware, Profiles
from .jobs import Jobs
from .pools import Pools
from .secrets import SecretConflictError, SecretNotFoundError, Secrets
from .tasks import Tasks

__all__ = [
    "Account",
    "Collection",
    "CreateResult",
    "CreateResults",
    "Hardware",
    "Jobs",
    "Listing",
    "OffsetPageReader",
    "PageReader",
    "Pools",
    "Profiles",
    "Requester",
    "SecretConflictError",
    "SecretNotFoundError",
    "Secrets",
    "StateSighting",
    "Tasks",
    "WithFootprint",
]
