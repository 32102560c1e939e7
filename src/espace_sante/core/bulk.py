"""Bulk inserts for high-volume writers (register imports): rows as plain dicts, no ORM.

On PostgreSQL the rows go through ``COPY … FROM STDIN`` on the session's own connection,
so they commit (or roll back) with the rest of the transaction; elsewhere one
``executemany`` through SQLAlchemy Core. Values are written as given: column defaults and
type decorators do not run under COPY, so callers pass every column, with aware UTC
datetimes.

``CopyBuffer`` formats rows into COPY text ahead of time (psycopg's own formatter), so that
a producer thread can do that work while another sends earlier rows: the sender then
holds the interpreter lock only briefly and the database is kept busy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from psycopg import sql
from psycopg.adapt import Transformer
from sqlalchemy import Engine, Table, insert
from sqlalchemy.orm import Session, sessionmaker

# psycopg's C formatter of COPY rows (the one ``Copy.write_row`` uses); private, so checked
# by the PostgreSQL test run (psycopg is pinned in pyproject.toml).
from psycopg._copy_base import format_row_text  # isort: skip

Row = Mapping[str, Any]


def insert_rows(session: Session, table: Table, rows: Sequence[Row]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, rows)
    else:
        session.execute(insert(table), list(rows))


def _copy(session: Session, table: Table, rows: Sequence[Row]) -> None:
    columns = list(rows[0])
    statement = _statement(table, columns)
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(values(row))



def uses_copy(factory: sessionmaker[Session]) -> bool:
    bind = factory.kw.get("bind")
    return isinstance(bind, Engine) and bind.dialect.name == "postgresql"


class CopyBuffer:
    """Rows of one table already in COPY text format; ``add`` tells where each one lies, so
    that all of them, or some, can be sent later. ``constants``: columns whose value is the
    same in every row (a batch's timestamps, its actor…), formatted once and appended."""

    def __init__(self, table: Table, columns: Sequence[str],
                 constants: Mapping[str, Any] | None = None) -> None:
        fixed = dict(constants or {})
        variable = tuple(c for c in columns if c not in fixed)
        self.table, self.columns = table, (*variable, *fixed)
        self.data = bytearray()
        self._values = itemgetter(*variable) if len(variable) > 1 else (
            lambda row: (row[variable[0]],))
        self._transformer = Transformer()
        suffix = bytearray()
        if fixed:
            format_row_text(tuple(fixed.values()), self._transformer, suffix)
        self._suffix = b"\t" + bytes(suffix) if fixed else b""

    def add(self, row: Row) -> tuple[int, int]:
        start = len(self.data)
        format_row_text(self._values(row), self._transformer, self.data)
        if self._suffix:
            self.data[-1:] = self._suffix  # the row's "\n" becomes "\t<constants>\n"
        return start, len(self.data)

    def send(self, session: Session, spans: Sequence[tuple[int, int]] | None = None) -> None:
        """Send every row (``spans`` None) or those at ``spans``, in that order."""
        if spans is None:
            data: bytes | bytearray = self.data
        else:
            view = memoryview(self.data)
            data = b"".join(view[start:end] for start, end in spans)
        if not data:
            return
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(_statement(self.table, self.columns)) as copy:  # type: ignore[union-attr]
            copy.write(data)


def _statement(table: Table, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
