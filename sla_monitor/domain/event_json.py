"""JSON as events are read everywhere (HTTP bodies, JSONL lines): stricter than json.loads,
since a key given twice or a NaN would otherwise pass silently."""

from __future__ import annotations

import json
from typing import Any


def load_json(text: str | bytes) -> Any:
    """JSON as events are read everywhere: a key given twice, NaN or Infinity is an error."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    return _DECODER.decode(text)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # in C; only a shorter dict needs the slow search for the culprit
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"field {key!r} is given twice")
            seen.add(key)
    return out


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a valid JSON number")


# One decoder for every event: json.loads with options builds a new one on each call.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)
