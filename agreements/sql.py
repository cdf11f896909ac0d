"""Hand-written SQL for the reminder planner (notifications/planning.py), until the planner
reads through the ORM like everything else. `select` gives back the model instances the ORM
would: every concrete column, read through the same converters (JSON, and SQLite's dates and
booleans), with the related rows a `select_related` would have joined.

`tests/agreements/test_sql.py` checks `select` against the ORM, on SQLite and PostgreSQL.
"""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Table:
    """How to read a model's rows: its columns as `alias.column` and what converts them."""

    model: type[Model]
    attnames: list[str]
    columns: str
    converters: list[tuple[int, list[Converter], Any]]


def _converters(
    fields: Sequence[Field[Any, Any]], alias: str
) -> list[tuple[int, list[Converter], Any]]:
    """What Django's compiler applies to each column it reads (`SQLCompiler.get_converters`)."""
    found = []
    for index, field in enumerate(fields):
        column = field.get_col(alias)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found.append((index, functions, column))
    return found


@functools.cache
def _table(model: type[Model], alias: str, vendor: str) -> _Table:
    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    return _Table(
        model=model,
        attnames=[field.attname for field in fields],
        columns=", ".join(f"{alias}.{quote(_column(field))}" for field in fields),
        converters=_converters(fields, alias),
    )


def _column(field: Any) -> str:
    column = field.column
    assert isinstance(column, str), "a concrete field has a column"
    return column


def table(model: type[Model]) -> str:
    """The model's table name, quoted, for a FROM or a JOIN."""
    return connection.ops.quote_name(model._meta.db_table)


def placeholders(values: Sequence[object]) -> str:
    """`(%s, %s, …)` for an IN list of `values` (never empty: ask for nothing instead)."""
    assert values, "an empty IN list matches nothing: skip the query"
    return "(" + ", ".join(["%s"] * len(values)) + ")"


def _converted(row: list[Any], converters: list[tuple[int, list[Converter], Any]]) -> None:
    for index, functions, column in converters:
        value = row[index]
        for function in functions:
            value = function(value, column, connection)
        row[index] = value


def select[M: Model](
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    order_by: str,
    join: dict[str, type[Model]] | None = None,
) -> list[M]:
    """Rows of `model` (aliased `t` in `where` and `order_by`) as model instances. `join` names
    foreign keys to load with each row, as `select_related` does (a null key gives None)."""
    quote = connection.ops.quote_name
    vendor = connection.vendor
    own = _table(model, "t", vendor)
    columns = [own.columns]
    joins = []
    related = []
    for name, other in (join or {}).items():
        alias = f"j_{name}"  # not the name itself: `user` is a reserved word
        their = _table(other, alias, vendor)
        key = _column(model._meta.get_field(name))
        pk = other._meta.pk
        assert pk is not None
        columns.append(their.columns)
        joins.append(
            f"LEFT JOIN {table(other)} {alias} ON {alias}.{quote(_column(pk))} = t.{quote(key)}"
        )
        related.append((name, their, their.attnames.index(pk.attname)))
    # The text is made of our models' own names and our callers' fixed clauses; every value
    # is a parameter.
    sql = f"SELECT {', '.join(columns)} FROM {table(model)} t {' '.join(joins)} WHERE {where}"  # nosec B608
    sql += f" ORDER BY {order_by}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    found = []
    for row in rows:
        values = list(row[: len(own.attnames)])
        _converted(values, own.converters)
        instance = model.from_db(connection.alias, own.attnames, values)
        start = len(own.attnames)
        for name, their, pk_index in related:
            values = list(row[start : start + len(their.attnames)])
            start += len(their.attnames)
            if values[pk_index] is None:  # a null key: nothing joined
                setattr(instance, name, None)
                continue
            _converted(values, their.converters)
            setattr(instance, name, their.model.from_db(connection.alias, their.attnames, values))
        found.append(instance)
    return found


def pairs(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Plain rows of plain values (ids): nothing to convert."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
