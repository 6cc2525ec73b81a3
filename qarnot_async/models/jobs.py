"""Jobs: what the service returns (:class:`Job`) and the creation input."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from ._types import check_bool, check_duration, check_str_sequence, check_uuid, optional
from .common import freeze_lists, name_validator
from .enums import JobState

__all__ = ["Job", "JobCreate"]


@attrs.frozen(kw_only=True)
class Job:
    """A job as the service describes it (``JobOutput``)."""

    uuid: str
    name: str | None = None
    shortname: str | None = None
    pool_uuid: str | None = None
    state: JobState | None = None
    previous_state: JobState | None = None
    use_dependencies: bool | None = None
    state_transition_time: datetime | None = None
    previous_state_transition_time: datetime | None = None
    creation_date: datetime | None = None
    last_modified: datetime | None = None
    max_wall_time: timedelta | None = None
    tags: tuple[str, ...] | None = None
    auto_delete_on_completion: bool | None = None
    completion_time_to_live: timedelta | None = None

    @property
    def is_final(self) -> bool:
        """Whether the job is Completed; False for unknown states."""
        return self.state is not None and self.state.is_final


@attrs.frozen(kw_only=True)
class JobCreate:
    """A job to create (``JobCreationInput``).

    Every value is checked here; a bad one raises
    :class:`~qarnot_async.errors.InvalidInputError` naming the field.
    """

    name: str = attrs.field(validator=name_validator)
    shortname: str | None = attrs.field(default=None, validator=name_validator)
    pool_uuid: str | None = attrs.field(default=None, validator=optional(check_uuid))
    use_dependencies: bool | None = attrs.field(default=None, validator=optional(check_bool))
    tags: Sequence[str] | None = attrs.field(default=None, validator=optional(check_str_sequence))
    max_wall_time: timedelta | None = attrs.field(default=None, validator=optional(check_duration))
    auto_delete_on_completion: bool | None = attrs.field(
        default=None, validator=optional(check_bool)
    )
    completion_time_to_live: timedelta | None = attrs.field(
        default=None, validator=optional(check_duration)
    )

    def __attrs_post_init__(self) -> None:
        freeze_lists(self)
