"""Run a fixed-shape counting query without building it again: its SQL is made once per process.

Building a query through the ORM (resolving filters, compiling expressions) costs this machine
about a millisecond; running a small counting query on an index costs a tenth of that. A page made
of dozens of counts (the compliance report) spends most of its time building the same SQL again.

    from ethos.prepared import prepared

    @prepared
    def session_counts(coach, since):
        return Session.objects.filter(coach=coach, starts_at__gte=since).aggregate(
            held=Count("pk", filter=Q(status="closed")), total=Count("pk")
        )

The first call for a database builds the query once through the ORM with marker arguments (a
record, id, date or time of the same kind as each real one, which no real row has), keeps the
SQL and notes where each argument went in its parameters; every call then runs that SQL with the
real arguments. The function must run exactly one query, and may return what an aggregate of
counts returns (a dict of ints), what `.count()` returns, or a list of value rows. An argument
must go into the query as it is: a value worked out from one (`since - a day`, a text escaped for
LIKE or lowered) cannot be traced, so the first call refuses it rather than keep a stale constant.

A function may instead return its query unevaluated, a QuerySet of records (with select_related
and annotations, not values() or prefetch_related) or of values_list() rows: each call then
returns the list of records or tuples the QuerySet would, made from the kept SQL as Django's
ModelIterable and ValuesListIterable make them (each value through the ORM's converters). A page that
reads a few short lists of records with their clients and keys (the dashboard) spends more on
building those queries than on running them.

An argument may also be a list of ids (`pk__in=ids`): its SQL has one parameter per id, so each
length of list up to MAX_LIST is a plan of its own; an empty or a longer list is built through the
ORM each time, as without `prepared`.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

# Markers live in 1901, and ids in a range of their own: no real row is ever of either.
_MARKER_ID = 0xE7_5051_0000
# A list of ids longer than this is not prepared: each length of list is a plan of its own.
MAX_LIST = 64
_LOOKS_TRACED = re.compile(r"^(\d{4}-\d{2}-\d{2}([ T][\d:.]+)?([+-]\d{2}:?\d{2})?|[0-9a-f]{32})$")
# A text marker: mixed case and LIKE's special characters, so a lowered or escaped copy differs from
# it, and a word no real text has, so such a copy is still recognised (and refused).
_TEXT_MARKER = "EthosPreparedMarker"


@dataclass(frozen=True)
class _Plan:
    sql: str
    # For each parameter: (argument index, how to adapt it) or (None, the constant).
    slots: tuple[tuple[int | None, Any], ...]
    shape: str
    keys: tuple[str, ...]
    records: _Records | None = None


@dataclass(frozen=True)
class _Records:
    """How to make a QuerySet's rows what the ORM makes of them, worked out from its compiler once.

    Records as ModelIterable makes them, or (when `model` is None) tuples of values as
    ValuesListIterable does, each value through the same converters.
    """

    model: type[Model] | None
    start: int
    end: int
    init_list: tuple[str, ...]
    related: tuple[Any, ...]  # django's RelatedPopulator of each select_related record
    converters: tuple[tuple[int, tuple, Any], ...]
    annotations: tuple[tuple[str, int], ...]

    def make(self, rows: list) -> list:
        alias, found = connection.alias, []
        for row in rows:
            if self.converters:
                row = list(row)
                for position, converters, expression in self.converters:
                    value = row[position]
                    for converter in converters:
                        value = converter(value, expression, connection)
                    row[position] = value
            if self.model is None:
                found.append(tuple(row))
                continue
            record = self.model.from_db(alias, self.init_list, row[self.start : self.end])
            for populator in self.related:
                populator.populate(row, record)
            for name, position in self.annotations:
                setattr(record, name, row[position])
            found.append(record)
        return found


def _compiled(function: Callable[..., Any], queryset: QuerySet) -> tuple[str, tuple, _Records]:
    """The SQL of a QuerySet, and how to make its records or value rows as its iterable would."""
    name = function.__qualname__
    query = queryset.query
    values = queryset._iterable_class is ValuesListIterable
    if (
        queryset._iterable_class not in (ModelIterable, ValuesListIterable)
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
    ):
        raise ImproperlyConfigured(
            f"{name} returns a QuerySet of records or of values_list() rows only: "
            "no values(), flat or named lists, prefetch_related or related manager."
        )
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    select, klass_info = compiler.select, compiler.klass_info
    fields = [column[0] for column in select[0 : compiler.col_count]]
    if compiler.has_composite_fields(fields):
        raise ImproperlyConfigured(f"{name}: a prepared QuerySet has no composite fields.")
    converters = tuple(
        (position, tuple(converters), expression)
        for position, (converters, expression) in compiler.get_converters(fields).items()
    )
    if values:
        return sql, tuple(params), _Records(None, 0, 0, (), (), converters, ())
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    records = _Records(
        model=klass_info["model"],
        start=start,
        end=end,
        init_list=tuple(column[0].target.attname for column in select[start:end]),
        related=tuple(get_related_populators(klass_info, select, connection.alias)),
        converters=converters,
        annotations=tuple(compiler.annotation_col_map.items()),
    )
    return sql, tuple(params), records


def _marker(index: int, value: Any) -> Any:
    if isinstance(value, list):
        if not all(isinstance(item, uuid.UUID) for item in value):
            raise ImproperlyConfigured("A prepared query takes a list of ids only (UUIDs).")
        # Each list of its own range: none meets another argument's marker.
        return [uuid.UUID(int=_MARKER_ID + ((index + 1) << 16) + n) for n in range(len(value))]
    if isinstance(value, Model):
        # `_meta.model`, not type(): a signed-in user arrives wrapped in a lazy object.
        return value._meta.model(pk=uuid.UUID(int=_MARKER_ID + index))
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=_MARKER_ID + index)
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1901, 1, 1, 0, 0, index + 1, 123457, tzinfo=value.tzinfo)
    if isinstance(value, datetime.date):
        return datetime.date(1901, 1, index + 1)
    if isinstance(value, str):
        return f"{_TEXT_MARKER}_%{index}"
    raise ImproperlyConfigured(
        f"A prepared query takes records, ids, dates, times and text; got {type(value).__name__}."
    )


def _forms(value: Any) -> list[tuple[Any, Callable[[Any], Any]]]:
    """Every form in which a backend may pass an argument as a parameter, with how to make it."""
    ops = connection.ops
    if isinstance(value, list):
        # An `__in` lookup passes each id of the list as a parameter of its own.
        return [
            (adapted, lambda v, n=n, make=make: make(v[n]))
            for n, item in enumerate(value)
            for adapted, make in _forms(item)
        ]
    if isinstance(value, Model):
        return [(adapted, lambda v, make=make: make(v.pk)) for adapted, make in _forms(value.pk)]
    if isinstance(value, uuid.UUID):
        return [(value, lambda v: v), (value.hex, lambda v: v.hex), (str(value), str)]
    if isinstance(value, datetime.datetime):
        return [(value, lambda v: v), (ops.adapt_datetimefield_value(value), ops.adapt_datetimefield_value)]
    if isinstance(value, str):
        return [(value, str)]
    return [(value, lambda v: v), (ops.adapt_datefield_value(value), ops.adapt_datefield_value)]


def _plan(function: Callable[..., Any], args: tuple) -> _Plan:
    markers = [_marker(index, value) for index, value in enumerate(args)]
    captured: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        result = function(*markers)
    records = None
    if isinstance(result, QuerySet):
        if captured:
            name = function.__qualname__
            raise ImproperlyConfigured(f"{name} returns its QuerySet unevaluated; it ran {len(captured)}.")
        sql, params, records = _compiled(function, result)
    elif len(captured) != 1:
        name = function.__qualname__
        raise ImproperlyConfigured(f"{name} must run exactly one query; it ran {len(captured)}.")
    else:
        sql, params = captured[0]
    forms = [(index, adapted, make) for index, m in enumerate(markers) for adapted, make in _forms(m)]
    slots = []
    for param in params:
        found = next(((index, make) for index, adapted, make in forms if _same(param, adapted)), None)
        if found is None and isinstance(param, datetime.date | uuid.UUID | Model):
            raise ImproperlyConfigured(f"{function.__qualname__} passes a value worked out from an argument.")
        if (
            found is None
            and isinstance(param, str)
            and (_LOOKS_TRACED.match(param) or _TEXT_MARKER.lower() in param.lower())
        ):
            raise ImproperlyConfigured(f"{function.__qualname__} passes a value worked out from an argument.")
        slots.append(found if found is not None else (None, param))
    if records is not None:
        return _Plan(sql, tuple(slots), "records", (), records)
    if isinstance(result, dict):
        if not all(isinstance(v, int) for v in result.values()):
            raise ImproperlyConfigured(f"{function.__qualname__}: a prepared aggregate holds counts only.")
        return _Plan(sql, tuple(slots), "dict", tuple(result))
    if isinstance(result, int):
        return _Plan(sql, tuple(slots), "int", ())
    if isinstance(result, list):
        return _Plan(sql, tuple(slots), "rows", ())
    kind = type(result).__name__
    raise ImproperlyConfigured(f"{function.__qualname__} returns {kind}, not counts or rows.")


def _same(param: Any, adapted: Any) -> bool:
    return type(param) is type(adapted) and param == adapted


def as_decimal(value: Any, *, places: int) -> decimal.Decimal | None:
    """Read a decimal from a prepared row as the ORM would: SQLite hands back a sum as a float.

    Rounded to `places`, as Django's SQLite converter does (through a context of 15 digits).
    """
    if value is None:
        return None
    if isinstance(value, float):
        value = decimal.Context(prec=15).create_decimal_from_float(value)
    return decimal.Decimal(value).quantize(decimal.Decimal(1).scaleb(-places))


def as_datetime(value: Any) -> datetime.datetime | None:
    """Read a time from a prepared row as the ORM would: SQLite hands back text in UTC."""
    convert = getattr(connection.ops, "convert_datetimefield_value", None)
    if value is None or convert is None:
        return value
    return convert(value, None, connection)


def _kind(argument: Any) -> Any:
    # A list of ids makes SQL with one parameter per id: one plan per length.
    return (list, len(argument)) if isinstance(argument, list) else argument.__class__


def _evaluated(result: Any) -> Any:
    return list(result) if isinstance(result, QuerySet) else result


def prepared(function: Callable[..., Any]) -> Callable[..., Any]:
    """Build `function`'s one query once per database, then run its SQL with each call's arguments."""
    plans: dict[tuple, _Plan] = {}

    @functools.wraps(function)
    def run(*args):
        key = (connection.vendor, connection.alias, *(_kind(a) for a in args))
        plan = plans.get(key)
        if plan is None:
            if any(isinstance(a, list) and not 0 < len(a) <= MAX_LIST for a in args):
                # No SQL for an empty list (Django answers it without a query); a long one is
                # built each time rather than kept, so the plans stay few.
                return _evaluated(function(*args))
            plan = plans[key] = _plan(function, args)
        params = [make(args[index]) if index is not None else make for index, make in plan.slots]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.shape == "dict":
            return dict(zip(plan.keys, rows[0], strict=True))
        if plan.shape == "int":
            return rows[0][0]
        if plan.records is not None:
            return plan.records.make(rows)
        return [tuple(row) for row in rows]

    # The ORM version, for tests that compare the two (a QuerySet is read as a list, as a call is).
    run.build = lambda *args: _evaluated(function(*args))
    return run


def per_vendor(build: Callable[[], str]) -> Callable[[], str]:
    """Keep the SQL `build` writes by hand once per kind of database, made on first use for each.

    For the `UNION ALL` reads `Columns` converts: their quoted table names and typed NULLs
    depend on the database (SQLite or PostgreSQL), not on any call.
    """
    made: dict[str, str] = {}

    @functools.wraps(build)
    def statement() -> str:
        sql = made.get(connection.vendor)
        if sql is None:
            sql = made[connection.vendor] = build()
        return sql

    return statement


class Columns:
    """Read the rows of SQL written by hand as the ORM reads the same columns of its own queries.

    Each column is named by the model field it holds (or None for a column passed on as the
    driver gives it): its value goes through that field's converters (SQLite's text times and
    hex ids become datetimes and UUIDs, a sealed field a `Sealed`), found once per database.
    For reads that join several tables into one statement (`UNION ALL`), which the ORM does not
    write with an order and a limit in each part on every backend.
    """

    def __init__(self, *fields) -> None:
        self.fields = fields
        self._converters: dict[str, list] = {}

    def null(self, index: int) -> str:
        """SQL for an empty value of column `index`, typed as its field (PostgreSQL types a UNION's NULLs)."""
        return f"CAST(NULL AS {self.fields[index].db_type(connection)})"

    def _for(self) -> list:
        alias = connection.alias
        found = self._converters.get(alias)
        if found is None:
            from django.db.models import Value

            found = []
            for position, field in enumerate(self.fields):
                if field is None:
                    continue
                expression = Value(None, output_field=field)
                converters = connection.ops.get_db_converters(expression)
                converters += field.get_db_converters(connection)
                if converters:
                    found.append((position, tuple(converters), expression))
            self._converters[alias] = found
        return found

    def read(self, rows) -> list[list]:
        """Each row as a list, every value converted as its field's ORM query would give it."""
        converters, found = self._for(), []
        for row in rows:
            row = list(row)
            for position, functions, expression in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            found.append(row)
        return found
