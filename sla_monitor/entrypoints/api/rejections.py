"""A log line for each event POST /v1/events rejected: its index in the batch, its event_id
and the reason, with none of the event's own text.

The reason the sender gets quotes the event (`unknown type 'X'`, `got '5000000'`), and an
event is untrusted text that may hold personal data. So the logged reason is the same
sentence with every quoted value, and every word that occurs anywhere in the event, replaced
by `…`. The service's own vocabulary (field names, event types, configured channels and
branch codes) stays, so that the line still says what was wrong.
"""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator, Sequence

from sla_monitor.domain.events import FIELDS
from sla_monitor.domain.policy import EVENT_TYPES
from sla_monitor.store.batches import Rejection

log = logging.getLogger("sla_monitor.api")
MASK = "…"
# A quoted value as repr() writes it: from a quote that does not end a word to the next one
# that does not start a word, or to the end of a message cut short.
_QUOTED = re.compile(r"""(?<!\w)(['"])(.*?)(?:\1(?!\w)|$)""", re.DOTALL)
_CHUNK = re.compile(r"\S+")
_EDGES = re.compile(r"""^([(\[{,;:.'"]*)(.*?)([)\]},;:.'"]*)$""", re.DOTALL)
_WORD = re.compile(r"\w+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MASKS = re.compile(rf"{MASK}(?:[\s,;:]*{MASK})+")


def log_rejections(
    raws: Sequence[object], rejected: Iterable[Rejection], vocabulary: Collection[str]
) -> None:
    """One line a rejected event. `vocabulary`: configured words that may stay in a reason."""
    words = frozenset(vocabulary) | frozenset(FIELDS) | frozenset(EVENT_TYPES)
    for rejection in rejected:
        raw = raws[rejection.index] if 0 <= rejection.index < len(raws) else None
        reason = loggable_reason(rejection.error, raw, words)
        # The fields alone, not the message too: the text format writes each field once.
        log.info(
            "ingest: rejected an event",
            extra={"index": rejection.index, "event_id": rejection.event_id, "reason": reason},
        )


def loggable_reason(reason: str, raw: object, vocabulary: Collection[str]) -> str:
    """`reason` without any text of `raw` (the event as received): see the module."""
    texts = list(_texts(raw, vocabulary))
    words = sorted({word.casefold() for text in texts for word in _WORD.findall(text)})
    content = "\x00".join(texts)

    def from_event(word: str) -> bool:
        # The word, or the start of one: a message cuts a long value or field name short.
        folded = word.casefold()
        at = bisect_left(words, folded)
        found = at < len(words) and words[at].startswith(folded)
        return found and (len(folded) >= 4 or words[at] == folded)

    def unquoted(match: re.Match[str]) -> str:
        return match[0] if match[2] in vocabulary else MASK

    def chunk(match: re.Match[str]) -> str:
        edges = _EDGES.fullmatch(match[0])
        assert edges is not None  # every part of the pattern may be empty
        before, core, after = edges.groups()
        if not core or core in vocabulary or core == MASK:
            return match[0]
        found = _WORD.findall(core)
        foreign = any(map(from_event, found)) if found else core in content
        return f"{before}{MASK}{after}" if foreign else match[0]

    masked = _CHUNK.sub(chunk, _QUOTED.sub(unquoted, reason))
    # One line: any white space (a line or paragraph separator too) as one space.
    return _MASKS.sub(MASK, _CONTROL.sub(MASK, " ".join(masked.split())))


def _texts(raw: object, vocabulary: Collection[str]) -> Iterator[str]:
    """Every value of a JSON value, and every key that is not a known field name, as text in
    each way a message may show it.

    A loop, not a recursion: a body may nest as deep as the JSON parser allows."""
    pending = [raw]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            yield from (str(key) for key in item if key not in vocabulary)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif item is not None:
            yield from (str(item), repr(item))
