"""JSON Lines manifests (``qarnot_async/cli/_manifest.py``): stable shortnames, bad lines
by number, bounded reading, adoption on reruns; and ``tasks submit`` of a ``.jsonl``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from _cli_helpers import run, task_spec

from qarnot_async.cli._manifest import (
    MAX_LINE_BYTES,
    MAX_LISTED,
    Summary,
    parse_line,
    read_batches,
    shortname_of,
    submit_manifest,
)
from qarnot_async.emulator import Emulator

# -- shortnames ----------------------------------------------------------------------------


def test_a_line_without_key_is_named_by_a_hash_of_its_canonical_json() -> None:
    a = shortname_of({"name": "t", "instanceCount": 1, "constants": {"A": "1", "B": "2"}}, None)
    # The same object, members and spacing reordered: the same task, the same name.
    b = shortname_of(
        json.loads('{ "constants": {"B": "2", "A": "1"},   "instanceCount": 1, "name": "t" }'),
        None,
    )
    assert a == b
    assert a.startswith("jl-h-")
    assert len(a) == len("jl-h-") + 32
    # Fixed across versions and runs (a rerun must find the first run's tasks): the
    # first 32 hex digits of sha256('{"name":"t"}').
    assert shortname_of({"name": "t"}, None) == "jl-h-3647a67649228b62fe3d139c47f7a3c6"
    assert shortname_of({"name": "u"}, None) != shortname_of({"name": "t"}, None)
    assert shortname_of({"name": "t"}, None, prefix="run7-").startswith("run7-h-")


def test_a_key_names_the_line_whatever_else_changes() -> None:
    assert shortname_of({"key": "frame-001", "name": "a"}, "key") == "jl-k-frame-001"
    assert shortname_of({"key": "frame-001", "name": "b"}, "key") == "jl-k-frame-001"
    assert shortname_of({"key": 42}, "key") == "jl-k-42"
    # A key unsafe in a URL path is hashed, apart from the plain ones.
    odd = shortname_of({"key": "a/b c"}, "key")
    assert odd.startswith("jl-kh-")
    assert odd == shortname_of({"key": "a/b c", "x": 1}, "key")
    assert shortname_of({"key": "x", "shortname": "mine"}, "key") == "mine"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"name": "t"}, "no 'key' member"),
        ({"key": None}, "non-empty string or a whole number"),
        ({"key": True}, "non-empty string or a whole number"),
        ({"key": ""}, "non-empty string or a whole number"),
        ({"key": [1]}, "non-empty string or a whole number"),
        ({"key": "k", "shortname": 3}, "'shortname' must be a non-empty string"),
    ],
)
def test_a_bad_key_is_an_error(item: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        shortname_of(item, "key")


# -- lines ----------------------------------------------------------------------------------


def line_bytes(item: Any) -> bytes:
    return (json.dumps(item) + "\n").encode()


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{not json\n", "invalid JSON"),
        (b"[" * 100_000 + b"\n", "invalid JSON"),
        (b"[1, 2]\n", "not a task object (a JSON list)"),
        (line_bytes(task_spec(bogus=1)), "unknown field 'bogus'"),
        (line_bytes(task_spec(instanceCount="many")), "instanceCount"),
        (None, f"longer than {MAX_LINE_BYTES:,} bytes"),
    ],
)
def test_a_bad_line_says_why_and_never_raises(raw: bytes | None, error: str) -> None:
    line = parse_line(7, raw, None)
    assert line.number == 7
    assert line.task is None
    assert error in (line.error or "")


def test_the_key_field_leaves_the_task_unless_it_is_a_task_field() -> None:
    line = parse_line(1, line_bytes(task_spec(key="k1")), "key")
    assert line.task is not None
    assert line.error is None
    assert (line.shortname, line.task.shortname) == ("jl-k-k1", "jl-k-k1")
    named = parse_line(2, line_bytes(task_spec(name="render-7")), "name")
    assert named.task is not None
    assert named.task.name == "render-7"
    assert named.shortname == "jl-k-render-7"
    # A key that is not a task field, missing: a failure, not a task without it.
    assert (
        parse_line(3, line_bytes(task_spec()), "key").error == "no 'key' member (the --key-field)"
    )


def test_lines_are_read_in_batches_with_their_numbers() -> None:
    data = b"\xef\xbb\xbf" + b"a\n\n  \nb\nc\n" + b"x" * (MAX_LINE_BYTES + 10) + b"\nd"
    batches = list(read_batches(io.BytesIO(data), 2))
    # Blank lines are no tasks (numbers still count them); a long line is never held.
    assert batches == [[(1, b"a\n"), (4, b"b\n")], [(5, b"c\n"), (6, None)], [(7, b"d")]]


def test_the_summary_lists_a_bounded_number_of_failures() -> None:
    summary = Summary()
    for n in range(MAX_LISTED + 5):
        summary.fail(n + 1, None, "bad")
    assert summary.failed == MAX_LISTED + 5
    assert len(summary.failures) == MAX_LISTED
    assert summary.to_json()["unlisted"] == 5
    assert summary.text().endswith("... and 5 more failed lines")


# -- against the emulator -----------------------------------------------------------------


def manifest(tmp_path: Path, lines: list[Any], name: str = "tasks.jsonl") -> str:
    path = tmp_path / name
    path.write_bytes(b"".join(x if isinstance(x, bytes) else line_bytes(x) for x in lines))
    return str(path)


def summary_of(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    captured = capsys.readouterr()
    data: dict[str, Any] = json.loads(captured.out)
    data["stderr"] = captured.err
    return data


def test_a_manifest_with_bad_lines_creates_the_rest_and_counts_every_line(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        task_spec(name="m-ok-1", key="a"),
        b"{oops\n",
        task_spec(name="m-unknown", key="b", colour="red"),
        task_spec(name="m-ok-2", key="c"),
        task_spec(name="m-nokey"),
        task_spec(name="m-refused", key="d", poolUuid="00000000-0000-0000-0000-000000000000"),
        task_spec(name="m-ok-1 again", key="a"),  # the same key: the same task
    ]
    path = manifest(tmp_path, lines)
    before = emu.task_count()
    args = ["--format", "json", "tasks", "submit", "--file", path, "--key-field", "key"]
    args += ["--prefix", "t1-", "--batch-size", "3"]
    assert run(emu, *args) == 1
    summary = summary_of(capsys)
    assert (summary["lines"], summary["created"], summary["adopted"]) == (7, 2, 1)
    assert summary["failed"] == 4
    failures = {f["line"]: f for f in summary["failures"]}
    assert sorted(failures) == [2, 3, 5, 6]
    assert "invalid JSON" in failures[2]["error"]
    assert failures[3]["error"] == "unknown field 'colour'"
    assert "'key'" in failures[5]["error"]
    assert failures[6]["error"].startswith("404")
    assert failures[6]["shortname"] == "t1-k-d"
    assert emu.task_count() == before + 2
    # Progress after each batch of three lines, on stderr.
    assert summary["stderr"].count("qarnot-async: ") == 3
    assert "7 lines: 2 created, 1 adopted, 4 failed" in summary["stderr"]

    # A rerun creates nothing twice; the text summary lists the failures by line.
    assert run(emu, "tasks", "submit", "--file", path, "--key-field", "key", "--prefix", "t1-") == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == ["lines\t7", "created\t0", "adopted\t3", "failed\t4"]
    assert [row.split(":")[0] for row in out[4:]] == ["line 2", "line 3", "line 5", "line 6"]
    assert emu.task_count() == before + 2


def test_a_jsonl_flag_reads_any_name_and_a_clean_rerun_exits_0(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = manifest(tmp_path, [task_spec(name=f"flag-{i}") for i in range(5)], "tasks.txt")
    before = emu.task_count()
    for created, adopted in ((5, 0), (0, 5)):
        assert run(emu, "--format", "json", "tasks", "submit", "--file", path, "--jsonl") == 0
        summary = summary_of(capsys)
        assert (summary["created"], summary["adopted"], summary["failed"]) == (created, adopted, 0)
    assert emu.task_count() == before + 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key-field", "key"], "--key-field is for JSON Lines files"),
        (["--prefix", "p-"], "--prefix is for JSON Lines files"),
    ],
)
def test_manifest_flags_on_a_json_file_are_usage_errors(
    emu: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(task_spec()))
    assert run(emu, "tasks", "submit", "--file", str(path), *args) == 2
    assert message in capsys.readouterr().err


def test_a_missing_manifest_and_a_zero_batch_are_usage_errors(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(emu, "tasks", "submit", "--file", str(tmp_path / "none.jsonl")) == 2
    assert "cannot read" in capsys.readouterr().err
    path = manifest(tmp_path, [task_spec()])
    assert run(emu, "tasks", "submit", "--file", path, "--batch-size", "0") == 2
    assert "--batch-size must be at least 1" in capsys.readouterr().err


async def test_submit_manifest_reads_one_batch_at_a_time(
    qarnot_emulator: Emulator,
) -> None:
    """Memory stays bounded: no more than a batch of lines is read ahead of the service."""

    class Watched(io.BytesIO):
        def __init__(self, data: bytes) -> None:
            super().__init__(data)
            self.lines_read = 0

        def readline(self, size: int | None = -1) -> bytes:
            self.lines_read += 1
            return super().readline(size)

    stream = Watched(b"".join(line_bytes(task_spec(name=f"w-{i}")) for i in range(50)))
    seen: list[tuple[int, int]] = []
    async with qarnot_emulator.client() as client:
        summary = await submit_manifest(
            client,
            stream,
            batch_lines=10,
            on_batch=lambda s: seen.append((s.lines, stream.lines_read)),
        )
    assert summary.created == 50
    # After each batch of 10, the stream was read no further than that batch.
    assert seen == [(10 * k, 10 * k) for k in range(1, 6)]
