"""What decoding and reading answers costs the client, apart from the rest."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["attrs_init_floor", "decode_and_read"]


def decode_and_read(bodies: Sequence[bytes], cls: Any, rounds: int = 3) -> tuple[float, float]:
    """Client CPU seconds of ``json.loads`` and of the converter reading each decoded
    body into ``cls``, summed over ``rounds`` passes over ``bodies``."""
    from qarnot_async._converter import structure

    structure(json.loads(bodies[0]), cls)  # the reader is compiled before timing
    loads = reading = 0.0
    for _ in range(rounds):
        for raw in bodies:
            started = time.process_time()
            data = json.loads(raw)
            decoded = time.process_time()
            structure(data, cls)
            loads += decoded - started
            reading += time.process_time() - decoded
    return loads, reading


def attrs_init_floor(bodies: Sequence[bytes], cls: Any, rounds: int = 3) -> float:
    """Client CPU seconds of the least a typed page could cost beyond ``json.loads``:
    each item of each page's ``data`` passed to ``cls``'s own attrs ``__init__``, its
    members as they came (no check, no date or enum parsing, nested objects left as
    dicts), summed over ``rounds`` passes.

    Our converter checks and parses every member; this is what building the objects
    alone costs, the floor of any client that hands out ``cls`` instances.
    """
    import attrs

    from qarnot_async._converter._registry import is_extra, wire_name

    names = [(a.alias, wire_name(a)) for a in attrs.fields(cls) if not is_extra(a)]
    pages = [json.loads(raw)["data"] for raw in bodies]
    spent = 0.0
    for _ in range(rounds):
        for items in pages:
            started = time.process_time()
            for item in items:
                cls(**{alias: item.get(key) for alias, key in names})
            spent += time.process_time() - started
    return spent
