"""The resources hung off :class:`~qarnot_async.Client`: ``client.tasks`` and friends."""

from ._base import CreateResult, CreateResults
from .catalog import Account, Hardware, Profiles
from .jobs import Jobs
from .pools import Pools
from .tasks import Tasks

__all__ = [
    "Account",
    "CreateResult",
    "CreateResults",
    "Hardware",
    "Jobs",
    "Pools",
    "Profiles",
    "Tasks",
]
