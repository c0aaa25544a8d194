"""Bulk inserts straight to the driver, and bulk reads from its cursor.

SQLAlchemy's compiled inserts run a Python bind processor for every value of every row;
for the tens of thousands of rows of an import batch that was a third of the import's time.
Here each column's conversion is chosen once per table, the values are converted in one
tight loop, and the driver gets plain tuples: SQLite one `executemany` of one statement
(prepared once, kept in the driver's statement cache), PostgreSQL one `COPY`, which loads
rows several times faster than any INSERT. The stored text or timestamp is exactly what
SQLAlchemy writes for the same column, so every query reads it the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, Integer, String, Table
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.types import TypeEngine
from sqlmodel import Session
from sqlmodel.sql.sqltypes import AutoString

from sla_monitor.store.instants import UtcInstant, naive_utc, sqlite_text


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT the rows (dicts with the same keys) in the caller's transaction."""
    if rows:
        columns = list(rows[0])
        pick = itemgetter(*columns)
        one = len(columns) == 1
        insert_tuples(session, table, columns, [(pick(r),) if one else pick(r) for r in rows])


def insert_tuples(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """INSERT rows given as tuples in the order of `columns`, in the caller's transaction."""
    if not rows:
        return
    mark, instant = driver_style(session)
    # Only the instant columns need converting; the rest go to the driver as they are.
    at = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UtcInstant)]
    params = _converted(rows, at, instant)
    names = ", ".join(columns)
    if mark == "%s":
        _copy(session, f"COPY {table.name} ({names}) FROM STDIN", params)
        return
    marks = ", ".join(mark for _ in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    session.connection().exec_driver_sql(sql, params)


def _converted(
    rows: Sequence[tuple[Any, ...]], at: Sequence[int], convert: Callable[[Any], Any]
) -> list[tuple[Any, ...]]:
    """The rows with their values at the positions `at` converted (None stays None). Many
    rows share a value (a batch's received_at, deadlines at the same midnight, a day):
    each distinct one is converted once."""
    if not at:
        return list(rows)
    converted: dict[Any, Any] = {}
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for i in at:
            value = values[i]
            if value is not None:
                done = converted.get(value)
                if done is None:
                    done = converted[value] = convert(value)
                values[i] = done
        out.append(tuple(values))
    return out


def _copy(session: Session, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY of the rows in the caller's transaction. The driver's errors are
    raised as SQLAlchemy's, as an INSERT's would be: a unique key a concurrent writer took
    first, or a deadlock, makes `transactions.retrying` run the batch again."""
    import psycopg  # only a PostgreSQL store gets here

    cursor = session.connection().connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.IntegrityError as exc:
        raise IntegrityError(sql, None, exc) from exc
    except psycopg.OperationalError as exc:
        raise OperationalError(sql, None, exc) from exc
    finally:
        cursor.close()


def driver_style(session: Session) -> tuple[str, Callable[[int], Any]]:
    """The driver's parameter mark, and how it takes an instant: text on SQLite, a naive
    UTC datetime on PostgreSQL (exactly what UtcInstant binds)."""
    if session.connection().dialect.name == "sqlite":
        return "?", sqlite_text
    return "%s", naive_utc


def add_to_values(
    session: Session, table: Table, values: str | Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Add each row's `values` (one column or several) to the row with the same primary key,
    inserting the rows that are not there, in the caller's transaction: one upsert statement
    on either database, straight to the driver (an import adds thousands of counts a chunk).
    The columns hold text, whole numbers or dates."""
    if not rows:
        return
    names = [values] if isinstance(values, str) else list(values)
    columns = list(rows[0])
    mark, _instant = driver_style(session)
    keys = ", ".join(c.name for c in table.primary_key.columns)
    added = ", ".join(f"{n} = {table.name}.{n} + excluded.{n}" for n in names)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)}) "
        f"ON CONFLICT ({keys}) DO UPDATE SET {added}"
    )
    dates = [i for i, c in enumerate(columns) if _kind(table.c[c].type) is date]
    params = list(map(itemgetter(*columns), rows))
    if mark == "?":  # SQLite stores a date as SQLAlchemy writes it, YYYY-MM-DD; psycopg takes one
        params = _converted(params, dates, date.isoformat)
    session.connection().exec_driver_sql(sql, params)


def _kind(kind: TypeEngine[Any]) -> type:
    """str, int or date: what a column of an added-to table holds. (SQLModel declares a `str`
    field as AutoString, a decorator of VARCHAR that converts nothing.)"""
    if isinstance(kind, AutoString):
        kind = kind.impl_instance
    for sql_type, python in ((String, str), (Integer, int), (Date, date)):
        if isinstance(kind, sql_type):
            return python
    raise TypeError(f"add_to_values takes text, whole numbers and dates, not {kind!r}")


def driver_rows(session: Session, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Every row of a SELECT (`sql` in the driver's parameter style) as the driver's own
    tuples, in the caller's transaction: for the reads of hundreds of thousands of rows,
    which a Row object each would make twice as slow. Its instants are the driver's values."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()
