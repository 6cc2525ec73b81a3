"""PollPolicy: defaults, validation, the growth and jitter of an interval, wait caps."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from qarnot_async import InvalidInputError
from qarnot_async.polling import PollPolicy


def test_policy_defaults() -> None:
    policy = PollPolicy()
    assert (policy.initial, policy.max_interval, policy.backoff) == (1.0, 30.0, 1.5)
    assert (policy.jitter, policy.chunk_size) == (0.1, 200)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"initial": 0}, "PollPolicy.initial"),
        ({"initial": -1}, "PollPolicy.initial"),
        ({"initial": math.nan}, "PollPolicy.initial"),
        ({"initial": "1"}, "PollPolicy.initial"),
        ({"initial": 5, "max_interval": 2}, "PollPolicy.max_interval"),
        ({"max_interval": math.inf}, "PollPolicy.max_interval"),
        ({"backoff": 0.5}, "PollPolicy.backoff"),
        ({"jitter": -0.1}, "PollPolicy.jitter"),
        ({"jitter": 1.0}, "PollPolicy.jitter"),
        ({"chunk_size": 0}, "PollPolicy.chunk_size"),
        ({"chunk_size": 2.5}, "PollPolicy.chunk_size"),
        ({"chunk_size": True}, "PollPolicy.chunk_size"),
    ],
)
def test_policy_validation(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        PollPolicy(**kwargs)
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


def test_grow_multiplies_up_to_the_maximum() -> None:
    policy = PollPolicy(initial=1, max_interval=10, backoff=3)
    assert policy.grow(1.0) == 3.0
    assert policy.grow(3.0) == 9.0
    assert policy.grow(9.0) == 10.0
    assert PollPolicy(backoff=1).grow(2.0) == 2.0


def test_policy_jitter_stays_within_bounds() -> None:
    policy = PollPolicy(initial=1, max_interval=10, jitter=0.2)
    delays = [policy.jittered(5.0) for _ in range(200)]
    assert all(4.0 <= d <= 6.0 for d in delays)
    assert len(set(delays)) > 1
    assert all(policy.jittered(10.0) <= 10.0 for _ in range(50))
    assert policy.grow(8.0) == 10.0


def test_jitter_uses_the_given_generator_and_none_means_exact() -> None:
    policy = PollPolicy(initial=1, max_interval=10, jitter=0.5)
    first = [policy.jittered(4.0, random.Random(7)) for _ in range(3)]
    assert first == [policy.jittered(4.0, random.Random(7)) for _ in range(3)]
    assert PollPolicy(jitter=0).jittered(4.0, random.Random(7)) == 4.0


def test_check_cap_accepts_none_and_at_least_initial() -> None:
    policy = PollPolicy(initial=2.0)
    assert policy.check_cap(None) is None
    assert policy.check_cap(2) == 2.0
    assert policy.check_cap(60.0) == 60.0
    for bad in (1.0, "5", True):
        with pytest.raises(InvalidInputError, match="max_interval") as info:
            policy.check_cap(bad)  # type: ignore[arg-type]
        assert info.value.value == bad
