"""Instants in the database: `int` microseconds in Python, UTC `TIMESTAMP` columns in SQL, so
the code is exact and a person reading the database sees ordinary times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Column, DateTime, TypeDecorator
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine
from sqlmodel import Field

from sla_monitor.domain.timeutil import Instant, from_datetime, micros_of

NAIVE_EPOCH = datetime(1970, 1, 1)
DAY_US = 86_400_000_000
_day_texts: dict[int, str] = {}  # days since the epoch → "YYYY-MM-DD"; a store spans few


def naive_utc(instant: Instant) -> datetime:
    """The instant as the naive UTC datetime a `TIMESTAMP WITHOUT TIME ZONE` holds."""
    return NAIVE_EPOCH + timedelta(microseconds=instant)


def sqlite_text(instant: Instant) -> str:
    """SQLAlchemy's SQLite DATETIME text: always six fractional digits.

    Every instant an import stores passes here, so it is done with integer arithmetic and
    each day's date text made once: half the time of formatting a datetime."""
    day, micros = divmod(instant, DAY_US)
    day_text = _day_texts.get(day)
    if day_text is None:
        day_text = _day_texts[day] = (date(1970, 1, 1) + timedelta(days=day)).isoformat()
    seconds, micro = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{day_text} {hour:02d}:{minute:02d}:{second:02d}.{micro:06d}"


def sqlite_instant(text: str) -> Instant:
    """The instant of SQLite DATETIME text (the inverse of `sqlite_text`)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:  # hand-written text with an offset: its wall time, as before
        moment = moment.replace(tzinfo=None)
    return micros_of(moment - NAIVE_EPOCH)


class _SqliteDatetimeText(sqlite.DATETIME):
    """DATETIME in SQLite's DDL, its text passed through as it is: UtcInstant converts it.
    SQLAlchemy's own conversion goes through a regular expression and a datetime per value."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class UtcInstant(TypeDecorator[int]):
    """An Instant stored as a UTC timestamp without zone (the same on SQLite and PostgreSQL)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            # sqlite.DATETIME's constructor has no annotations in SQLAlchemy.
            return dialect.type_descriptor(_SqliteDatetimeText())  # type: ignore[no-untyped-call]
        return dialect.type_descriptor(DateTime(timezone=False))

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | str | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return sqlite_text(int(value))
        return naive_utc(int(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, str):
            return sqlite_instant(value)
        return from_datetime(value.replace(tzinfo=UTC))


def instant_field(*, nullable: bool, index: bool = False) -> Any:
    """A model's field of an Instant column."""
    return Field(sa_column=Column(UtcInstant(), nullable=nullable, index=index))
