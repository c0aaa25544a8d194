"""Values as people type them into a file: forgiven where the meaning is certain (the letter
case of a type, channel or branch code), and otherwise refused with the closest valid value
as a suggestion, so that a typo is fixed from the message alone."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from sla_monitor.domain.policy import EVENT_TYPES


def folded(choices: Iterable[str]) -> dict[str, str]:
    """Each valid value under its case-folded spelling."""
    return {choice.casefold(): choice for choice in choices}


def did_you_mean(value: str, choices: Collection[str]) -> str:
    """ "; did you mean 'x'?" for the closest valid value, or nothing when none is close."""
    by_fold = folded(choices)
    close = difflib.get_close_matches(value.casefold(), list(by_fold), n=1, cutoff=0.6)
    return f"; did you mean {by_fold[close[0]]!r}?" if close else ""


def in_brackets(suggestion: str) -> str:
    """A `did_you_mean` suggestion after a name in a list: " (did you mean 'x'?)"."""
    return f" ({suggestion.removeprefix('; ')})" if suggestion else ""


@dataclass(frozen=True)
class FileReading:
    """How `sla-monitor import` reads an event from a file a person made: the type, the
    channel and the branch code in any letter case, and, with `assume_local`, a time without
    an offset taken as the local time of the claim's branch (resolved after parsing, since
    the branch may be named by another event of the claim). HTTP clients are programs and
    get none of this."""

    channels: Mapping[str, str] = field(default_factory=dict)  # case-folded -> configured
    branches: Mapping[str, str] = field(default_factory=dict)
    assume_local: bool = False
    types: Mapping[str, str] = field(default_factory=lambda: folded(EVENT_TYPES))

    @classmethod
    def of(
        cls, channels: Iterable[str], branches: Iterable[str], *, assume_local: bool
    ) -> FileReading:
        return cls(folded(channels), folded(branches), assume_local)
