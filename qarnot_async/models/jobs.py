"""Jobs: what the service returns (:class:`Job`) and the creation input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import attrs

from ._bases import Entity, Retention
from ._checks import (
    check_bool,
    check_duration,
    check_name,
    check_str_sequence,
    check_uuid,
    checked,
    name_validator,
)
from ._types import Model, newer
from .common import freeze_lists
from .enums import JobState

__all__ = ["Job", "JobCreate"]

# A job that has not ended says endDate "0001-01-01T00:00:00Z" (the .NET default).
_NO_END: Final = datetime(1, 1, 1, tzinfo=UTC)


@attrs.frozen(kw_only=True)
class Job(Retention, Entity[JobState]):
    """A job as the service describes it (``JobOutput``).

    ``is_final``: the job is Completed. ``profile`` and ``end_date`` are not in
    openapi.json (the official SDK's fixtures carry them); ``end_date`` is ``None``
    until the job ends, whether the service omits it or sends the .NET default date.
    """

    pool_uuid: str | None = None
    use_dependencies: bool | None = None
    max_wall_time: timedelta | None = None
    profile: str | None = newer()
    end_date: datetime | None = newer()

    def __attrs_post_init__(self) -> None:
        if self.end_date is not None and self.end_date.replace(tzinfo=UTC) <= _NO_END:
            object.__setattr__(self, "end_date", None)


@attrs.frozen(kw_only=True)
class JobCreate(Model):
    """A job to create (``JobCreationInput``).

    Every value is checked here; a bad one raises
    :class:`~qarnot_async.errors.InvalidInputError` naming the field.
    """

    name: str = attrs.field(validator=name_validator)
    shortname: str | None = checked(check_name)
    pool_uuid: str | None = checked(check_uuid)
    use_dependencies: bool | None = checked(check_bool)
    tags: Sequence[str] | None = checked(check_str_sequence)
    max_wall_time: timedelta | None = checked(check_duration)  # noqa: RUF009 (an attrs field)
    auto_delete_on_completion: bool | None = checked(check_bool)
    completion_time_to_live: timedelta | None = checked(check_duration)  # noqa: RUF009 (an attrs field)

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)
