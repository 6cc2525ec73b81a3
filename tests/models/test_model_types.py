"""Building blocks of the models: read-only mappings, tagged union members, caches."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs
import pytest

from qarnot_async.models import Constants, Settings
from qarnot_async.models._types import _CACHE_MAX, FrozenMapping, remember, union_member


def test_frozen_mappings_compare_with_any_mapping() -> None:
    constants = Constants(A="1")
    settings = Settings({"A": "1"})
    assert constants == {"A": "1"}
    assert settings == {"A": "1"}
    assert constants == settings
    assert constants != {"A": "2"}
    assert constants != [("A", "1")]
    assert "A" in settings
    assert list(settings) == ["A"]
    assert len(settings) == 1


def test_only_constants_are_hashable() -> None:
    assert hash(Constants(A="1")) == hash(Constants({"A": "1"}))
    with pytest.raises(TypeError):
        hash(Settings({"A": "1"}))


def test_frozen_mappings_cannot_change() -> None:
    settings: Any = Settings({"A": 1})
    with pytest.raises(TypeError):
        settings["A"] = 2
    with pytest.raises(AttributeError):
        settings.other = 1
    assert isinstance(settings, FrozenMapping)


KNOWN: dict[str, type] = {}


@attrs.frozen(kw_only=True)
class Shape:
    KIND: ClassVar[str] = ""


@union_member(KNOWN, "KIND", "circle")
class Circle(Shape):
    radius: float


def test_union_member_registers_a_frozen_keyword_only_class() -> None:
    assert {"circle": Circle} == KNOWN
    assert Circle.KIND == "circle"
    circle = Circle(radius=1.0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        circle.radius = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        Circle(1.0)  # type: ignore[misc]


def test_caches_are_emptied_when_full() -> None:
    cache: dict[str, Any] = {}
    for i in range(_CACHE_MAX):
        remember(cache, str(i), i)
    assert len(cache) == _CACHE_MAX
    remember(cache, "new", 1)
    assert cache == {"new": 1}
