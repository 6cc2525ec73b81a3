"""What decoding and reading answers costs the client, apart from the rest."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["decode_and_read"]


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
