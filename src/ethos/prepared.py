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
from django.db.models import Model

# Markers live in 1901, and ids in a range of their own: no real row is ever of either.
_MARKER_ID = 0xE7_5051_0000
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


def _marker(index: int, value: Any) -> Any:
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
    if len(captured) != 1:
        name = function.__qualname__
        raise ImproperlyConfigured(f"{name} must run exactly one query; it ran {len(captured)}.")
    sql, params = captured[0]
    slots = _slots(function, markers, params)
    if isinstance(result, dict):
        if not all(isinstance(v, int) for v in result.values()):
            raise ImproperlyConfigured(f"{function.__qualname__}: a prepared aggregate holds counts only.")
        return _Plan(sql, slots, "dict", tuple(result))
    if isinstance(result, int):
        return _Plan(sql, slots, "int", ())
    if isinstance(result, list):
        return _Plan(sql, slots, "rows", ())
    kind = type(result).__name__
    raise ImproperlyConfigured(f"{function.__qualname__} returns {kind}, not counts or rows.")


def _slots(function: Callable[..., Any], markers: list, params) -> tuple[tuple[int | None, Any], ...]:
    """Where each marker went in the query's parameters (or the constant a parameter is)."""
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
    return tuple(slots)


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


def _execute(plans: dict, planner: Callable, function: Callable[..., Any], args: tuple) -> tuple[Any, list]:
    """Plan `function` for this database and these kinds of argument once, then run its SQL."""
    key = (connection.vendor, connection.alias, *(a.__class__ for a in args))
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = planner(function, args)
    params = [make(args[index]) if index is not None else make for index, make in plan.slots]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        return plan, cursor.fetchall()


def prepared(function: Callable[..., Any]) -> Callable[..., Any]:
    """Build `function`'s one query once per database, then run its SQL with each call's arguments."""
    plans: dict[tuple, _Plan] = {}

    @functools.wraps(function)
    def run(*args):
        plan, rows = _execute(plans, _plan, function, args)
        if plan.shape == "dict":
            return dict(zip(plan.keys, rows[0], strict=True))
        if plan.shape == "int":
            return rows[0][0]
        return [tuple(row) for row in rows]

    run.build = function  # the ORM version, for tests that compare the two
    return run


@dataclass(frozen=True)
class _RecordsPlan:
    sql: str
    slots: tuple[tuple[int | None, Any], ...]
    model: type[Model]
    # Where the model's own columns are in a row, and the attribute each one fills.
    start: int
    end: int
    attnames: tuple[str, ...]
    # (position, the backend's and the field's converters, the column), as the ORM applies them.
    converters: tuple[tuple[int, tuple, Any], ...]
    related: tuple  # select_related: the ORM's own populators, made once
    annotations: tuple[tuple[str, int], ...]


def _plan_records(function: Callable[..., Any], args: tuple) -> _RecordsPlan:
    from django.db.models.query import ModelIterable, QuerySet, get_related_populators

    markers = [_marker(index, value) for index, value in enumerate(args)]
    queryset = function(*markers)
    name = function.__qualname__
    if not isinstance(queryset, QuerySet) or queryset._result_cache is not None:
        raise ImproperlyConfigured(f"{name} must return a queryset of records, not run it.")
    if (
        queryset._prefetch_related_lookups
        or queryset._known_related_objects
        or queryset._iterable_class is not ModelIterable
    ):
        raise ImproperlyConfigured(f"{name}: prepared records have no prefetch, related manager or values().")
    if queryset.db != connection.alias:
        raise ImproperlyConfigured(f"{name} reads another database than the default one.")
    compiler = queryset.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _RecordsPlan(
        sql=sql,
        slots=_slots(function, markers, params),
        model=klass_info["model"],
        start=start,
        end=end,
        attnames=tuple(column[0].target.attname for column in select[start:end]),
        converters=tuple(
            (position, tuple(converters), column)
            for position, (converters, column) in compiler.get_converters([c[0] for c in select]).items()
        ),
        related=tuple(get_related_populators(klass_info, select, connection.alias)),
        annotations=tuple(compiler.annotation_col_map.items()),
    )


def prepared_records(function: Callable[..., Any]) -> Callable[..., list]:
    """Build the SQL of `function`'s queryset once per database; each call returns its records.

    `function(*args)` returns a queryset (not run) of one model, ordered and sliced as wanted,
    with `select_related`, `only`/`defer` and annotations if need be, but no prefetch. The records
    are made as the ORM makes them (its converters, `from_db`, its populators for related rows),
    so sealed fields stay sealed until read. The arguments follow the rules of `prepared`.
    """
    plans: dict[tuple, _RecordsPlan] = {}

    @functools.wraps(function)
    def run(*args) -> list:
        plan, rows = _execute(plans, _plan_records, function, args)
        alias, from_db, attnames, start, end = (
            connection.alias,
            plan.model.from_db,
            plan.attnames,
            plan.start,
            plan.end,
        )
        records = []
        for row in rows:
            if plan.converters:
                row = list(row)
                for position, converters, column in plan.converters:
                    value = row[position]
                    for convert in converters:
                        value = convert(value, column, connection)
                    row[position] = value
            record = from_db(alias, attnames, row[start:end])
            for populator in plan.related:
                populator.populate(row, record)
            for name, position in plan.annotations:
                setattr(record, name, row[position])
            records.append(record)
        return records

    run.build = function  # the ORM version, for tests that compare the two
    return run
