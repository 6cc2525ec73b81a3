"""The entities of the Qarnot Compute API, as attrs classes.

What the service returns is frozen (``Task``, ``Pool``, ``Job``, pages, ...); what
you send is built with keyword arguments and checked at construction
(``TaskCreate``, ``PoolCreate``, ``JobCreate``, ...). Convert to and from wire JSON
with :func:`qarnot_async._converter.structure` / ``unstructure``.

Each module lists its public names in ``__all__``; this package exports them all.
"""

from . import (
    account,
    carbon,
    common,
    credits,
    enums,
    hardware,
    jobs,
    paging,
    pools,
    scaling,
    secrets,
    snapshots,
    status,
    tasks,
)
from ._ranges import InstanceRanges
from ._time import TimeSpan, format_timespan, parse_timespan
from ._types import NO_EXTRA, Extra, Model, OpenEnum
from .account import *  # noqa: F403
from .carbon import *  # noqa: F403
from .common import *  # noqa: F403
from .credits import *  # noqa: F403
from .enums import *  # noqa: F403
from .hardware import *  # noqa: F403
from .jobs import *  # noqa: F403
from .paging import *  # noqa: F403
from .pools import *  # noqa: F403
from .scaling import *  # noqa: F403
from .secrets import *  # noqa: F403
from .snapshots import *  # noqa: F403
from .status import *  # noqa: F403
from .tasks import *  # noqa: F403

__all__ = [
    "NO_EXTRA",
    "Extra",
    "InstanceRanges",
    "Model",
    "OpenEnum",
    "TimeSpan",
    "format_timespan",
    "parse_timespan",
    *account.__all__,
    *carbon.__all__,
    *common.__all__,
    *credits.__all__,
    *enums.__all__,
    *hardware.__all__,
    *jobs.__all__,
    *paging.__all__,
    *pools.__all__,
    *scaling.__all__,
    *secrets.__all__,
    *snapshots.__all__,
    *status.__all__,
    *tasks.__all__,
]
