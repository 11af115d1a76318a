"""Portable SQL for durations and percentiles, on SQLite and PostgreSQL alike.

Medians and 90th percentiles are computed by the database with window functions (both
backends have them), interpolated linearly between the two nearest ranks as
PostgreSQL's ``percentile_cont`` does, so that no list of rows is ever pulled into Python.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):  # noqa: N801 - reads as a SQL function
    """``end - start`` in seconds, as a float (two timestamp columns)."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (f"((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
            " * 86400.0)")


@compiles(seconds_between)
def _seconds_default(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)}))"


def percentile_query(source: Any, groups: Sequence[str], value: str,
                     percents: Sequence[int] = (50, 90)) -> Any:
    """Per group of ``source`` (a subquery with the ``groups`` columns and a ``value``
    column): the number of values and, for each of ``percents``, the percentile
    (``p50``, ``p90``…), linearly interpolated between ranks.

    With ``n`` values in a group, the p-th percentile lies at rank ``1 + p(n-1)/100``:
    integer division gives the lower rank, the remainder the weight of the next one.
    """
    keys = [source.c[g] for g in groups]
    v = source.c[value]
    ranked = select(*keys, v.label("v"),
                    func.row_number().over(partition_by=keys or None, order_by=v).label("rn"),
                    func.count().over(partition_by=keys or None).label("n")).subquery()
    outer_keys = [ranked.c[g] for g in groups]
    columns = [*outer_keys, func.max(ranked.c.n).label("n")]
    for p in percents:
        scaled = p * (ranked.c.n - 1)
        lower = 1 + scaled // 100  # integer (floor) division on both backends
        weight = cast(scaled % 100, Float) / 100.0
        columns.append(func.sum(case(
            (ranked.c.rn == lower, ranked.c.v * (1 - weight)),
            (ranked.c.rn == lower + 1, ranked.c.v * weight),
            else_=0.0)).label(f"p{p}"))
    query = select(*columns).select_from(ranked)
    return query.group_by(*outer_keys) if outer_keys else query
