"""Constants: a read-only mapping on top of the wire's list of {key, value}."""

from __future__ import annotations

import pickle

import pytest

from qarnot_async._converter import structure, unstructure
from qarnot_async.errors import InvalidInputError
from qarnot_async.models import Constants, Pool, Task, TaskCreate


def test_mapping_behaviour() -> None:
    c = Constants({"B": "2", "A": "1"}, C="3")
    assert c["A"] == "1"
    assert list(c) == ["B", "A", "C"]
    assert len(c) == 3
    assert "C" in c
    assert "D" not in c
    assert c.get("D", "x") == "x"
    assert dict(c) == {"B": "2", "A": "1", "C": "3"}
    assert c == {"A": "1", "B": "2", "C": "3"}
    assert c == Constants([("A", "1"), ("B", "2"), ("C", "3")])
    assert c != {"A": "1"}
    assert hash(c) == hash(Constants({"B": "2", "A": "1", "C": "3"}))
    assert pickle.loads(pickle.dumps(c)) == c
    with pytest.raises(TypeError):
        c["A"] = "2"  # type: ignore[index]
    with pytest.raises(KeyError):
        c["missing"]


def test_secrets_are_masked_but_kept() -> None:
    c = Constants({"QARNOT_SECRET__DB": "hunter2", "PLAIN": "visible"})
    assert repr(c) == "Constants({'QARNOT_SECRET__DB': '***', 'PLAIN': 'visible'})"
    assert str(c) == repr(c)
    assert c["QARNOT_SECRET__DB"] == "hunter2"
    assert c.secrets() == ["QARNOT_SECRET__DB"]


def test_wire_form() -> None:
    wire = [{"key": "A", "value": "1"}, {"key": "QARNOT_SECRET__S", "value": "[SECRET]"}]
    task = structure({"uuid": "u", "constants": wire}, Task)
    assert task.constants == {"A": "1", "QARNOT_SECRET__S": "[SECRET]"}
    assert unstructure(task)["constants"] == wire


def test_outputs_always_have_constants() -> None:
    assert structure({"uuid": "u"}, Task).constants == {}
    assert structure({"uuid": "u", "constants": None}, Pool).constants == {}
    # An empty list reads as empty; nothing is written back for it.
    task = structure({"uuid": "u", "constants": []}, Task)
    assert len(task.constants) == 0
    assert "constants" not in unstructure(task)


def test_null_values_read_as_empty_strings() -> None:
    task = structure({"uuid": "u", "constants": [{"key": "A", "value": None}]}, Task)
    assert task.constants["A"] == ""


def test_inputs_accept_a_dict_or_pairs() -> None:
    assert TaskCreate(name="t", constants={"A": "1"}).constants == Constants({"A": "1"})
    assert TaskCreate(name="t", constants=[("A", "1")]).constants == {"A": "1"}
    assert TaskCreate(name="t").constants is None
    assert unstructure(TaskCreate(name="t", constants={})) == {"name": "t", "constants": []}


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"A": 1}, "constants.A"),
        ({1: "a"}, "constants"),
        ({"": "a"}, "constants"),
        ("A=1", "constants"),
        ([("A", "1", "x")], "constants"),
    ],
)
def test_bad_constants(given: object, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        TaskCreate(name="t", constants=given)  # type: ignore[arg-type]
    assert info.value.field == field
    with pytest.raises(InvalidInputError):
        Constants(given)  # type: ignore[arg-type]
