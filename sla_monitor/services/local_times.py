"""Local times of an import (`--assume-local`) placed in the zone of their claim's branch.

The parser, in the importer or in a parse worker, cannot know the branch of an event that does
not name it: the claim's `submitted` may be stored already, come later in the input, or in
another batch parsed by another process. So the parser leaves such an event pending
(events.LocalTime), and here, in the importing process, in input order, each is read in the
zone of the first branch known for its claim:

1. the branch_code the event itself gives;
2. the claim's branch in the store (its stored `submitted`, else its stored waiting events);
3. the branch of the claim's `submitted` event in this input, else of any of its events in
   this input that name one.

An event whose claim's branch is not known yet waits until the end of the input, and is
rejected, saying why, if it is still not known then. The zones are those of the branch
registry (branches.toml): WIB, WITA and WIT keep one offset all year.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from sla_monitor.domain.events import Event, EventError, LocalTime, resolve_local
from sla_monitor.domain.policy import Branch
from sla_monitor.domain.timeutil import Instant

Lookup = Callable[[Collection[str]], dict[str, str]]  # claim ids → their stored branches


class BranchZones:
    def __init__(self, branches: dict[str, Branch], stored: Lookup):
        self._branches = branches
        self._lookup = stored
        self._stored: dict[str, str | None] = {}  # each claim looked up once: None, none stored
        self._submitted: dict[str, str] = {}  # claim → branch of its submitted in this input
        self._named: dict[str, str] = {}  # claim → a branch another of its events names

    def place(
        self, lines: Sequence[int], items: Sequence[Event | EventError], now: Instant
    ) -> tuple[list[int], list[Event | EventError], list[tuple[int, LocalTime]]]:
        """A batch with each pending local time read in its claim's zone (an event, or why
        not), and apart, those whose claim's branch is not known yet."""
        self._learn(items)
        self._look_up([i for i in items if isinstance(i, LocalTime) and not i.event.branch_code])
        kept_lines: list[int] = []
        kept: list[Event | EventError] = []
        later: list[tuple[int, LocalTime]] = []
        for line, item in zip(lines, items, strict=True):
            if isinstance(item, LocalTime) and self._branch(item) is None:
                later.append((line, item))
                continue
            kept_lines.append(line)
            kept.append(self._resolved(item, now))
        return kept_lines, kept, later

    def settle(
        self, pending: Sequence[tuple[int, LocalTime]], now: Instant
    ) -> tuple[list[int], list[Event | EventError]]:
        """The events that waited to the end of the input: placed now, or rejected with the
        reason that their claim's branch is still not known."""
        return [line for line, _ in pending], [self._resolved(item, now) for _, item in pending]

    def _learn(self, items: Sequence[Event | EventError]) -> None:
        for item in items:
            event = item.event if isinstance(item, LocalTime) else item
            if isinstance(event, Event) and event.branch_code is not None:
                known = self._submitted if event.type == "submitted" else self._named
                known.setdefault(event.claim_id, event.branch_code)

    def _look_up(self, pending: list[LocalTime]) -> None:
        claims = {p.event.claim_id for p in pending} - self._stored.keys()
        if claims:
            found = self._lookup(claims)
            self._stored.update({claim: found.get(claim) for claim in claims})

    def _branch(self, item: LocalTime) -> str | None:
        claim = item.event.claim_id
        return (
            item.event.branch_code
            or self._stored.get(claim)
            or self._submitted.get(claim)
            or self._named.get(claim)
        )

    def _resolved(self, item: Event | EventError, now: Instant) -> Event | EventError:
        if not isinstance(item, LocalTime):
            return item
        code = self._branch(item)
        if code is None:
            return item  # the rejection that says the branch is not known
        branch = self._branches.get(code)
        if branch is None:  # a stored claim of a branch since removed from the registry
            return EventError(
                f"occurred_at {item.stamp!r} has no UTC offset, and the branch of claim "
                f"{item.event.claim_id!r}, {code!r}, is not in the branch registry (branches.toml)",
                item.event_id,
            )
        try:
            return resolve_local(item, branch.zone, now)
        except EventError as exc:
            return exc
