"""Reading one TOML table of the configuration, with errors that say where."""

from __future__ import annotations

from datetime import date
from typing import Any

from sla_monitor.domain.policy import FIRST_YEAR, LAST_YEAR


class ConfigError(Exception):
    """A configuration problem, phrased as `file: entry: problem`."""


class Reader:
    """Typed access to one TOML table, with errors that say where."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a table")
        self.data, self.where = data, where

    def fail(self, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: {problem}")

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise self.fail(
                f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
            )

    def text(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"'{key}' must be a non-empty string")
        return value

    def str_list(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"'{key}' must be a list of strings")
        if required and not value:
            raise self.fail(f"'{key}' must not be empty")
        return tuple(value)

    def dates(self, key: str) -> frozenset[date]:
        out = set()
        for value in self.data.get(key, []):
            if isinstance(value, date):
                out.add(value)
                continue
            try:
                out.add(date.fromisoformat(str(value)))
            except ValueError:
                raise self.fail(f"'{key}' holds {value!r}, which is not an ISO date") from None
        return frozenset(out)

    def years(self, key: str) -> frozenset[int]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise self.fail(f"'{key}' must be a list of years, e.g. [2027]")
        outside = [v for v in value if not FIRST_YEAR <= v <= LAST_YEAR]
        if outside:
            raise self.fail(
                f"'{key}' holds {outside[0]}; calendars cover the years {FIRST_YEAR}-{LAST_YEAR}"
            )
        return frozenset(value)
