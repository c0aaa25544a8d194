"""The fingerprint of a claim's stored events, which an evidence pack states for each claim
so that a reader can later check the pack against the database (docs/explain.md#the-events-sha-256).
Pure: defined once, here, and written so that anyone can recompute it from the claim's
events as `claim ID --json` lists them.

The SHA-256 of a claim's events is that of the UTF-8 bytes of one line per stored event
(those after any as-of instant too), each line ending in a line feed "\\n":

- the events in order of their instant (occurred_at, in UTC), then of their event_id
  (compared as Unicode code points);
- each event as a JSON object of its fields that have a value (event_id, claim_id, type,
  occurred_at, channel, branch_code, employer_id, batch_id, amount, reason; a field without
  a value is left out), with occurred_at in UTC as RFC 3339 ("2026-03-16T03:00:00Z", with
  the fraction of a second only when there is one), amount an integer, keys sorted, no
  space after "," or ":", non-ASCII characters written as themselves (not as \\u escapes).

The order depends on the events alone, not on the order they were stored in, so a database
restored from a dump gives the same fingerprint.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sla_monitor.domain.events import Event

MANIFEST = "manifest.json"  # the pack's list of its claims and files, with their digests


def canonical_line(event: Event) -> str:
    """One event as a line of the fingerprint, without its line feed."""
    return json.dumps(event.to_json(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def events_sha256(events: Iterable[Event]) -> str:
    """The SHA-256 of a claim's stored events, in lower-case hex (see the module's text)."""
    digest = hashlib.sha256()
    for event in sorted(events, key=lambda e: (e.occurred_at, e.event_id)):
        digest.update(canonical_line(event).encode("utf-8") + b"\n")
    return digest.hexdigest()


def file_sha256(content: bytes) -> str:
    """The SHA-256 of a file's bytes, in lower-case hex, as `sha256sum` prints it."""
    return hashlib.sha256(content).hexdigest()
