"""DIALECT ADAPTER for statistics: the only SQL here that differs between PostgreSQL and SQLite.

Durations, Asia/Shanghai calendar buckets, percentiles, and (PostgreSQL only) ways to read a
year of a district in fewer passes: counts per dimension in one pass (GROUPING SETS) and
percentiles computed beside the totals. Everything else in `app.stats` is dialect-neutral.
"""

from collections.abc import Sequence

from sqlalchemy import (
    CompoundSelect,
    Float,
    Integer,
    Select,
    Subquery,
    cast,
    func,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.sql import ColumnElement, case

from app.core.spatial import is_sqlite
from app.extensions import db

# SQLite stores UTCDateTime as naive UTC text. Shanghai has kept UTC+8 without daylight
# saving since 1991, so a fixed offset gives the same local calendar as the zone database.
_SQLITE_SHANGHAI = literal_column("'+8 hours'")
_PG_ZONE = literal_column("'Asia/Shanghai'")


def seconds_between(later: ColumnElement, earlier: ColumnElement) -> ColumnElement[float]:
    """`later - earlier` in seconds (a float)."""
    if is_sqlite():
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return cast(func.extract("epoch", later - earlier), Float)


def local_period_start(moment: ColumnElement, group_by: str) -> ColumnElement[str]:
    """'YYYY-MM-DD' of the Monday (week) or first day (month) of `moment` in Asia/Shanghai."""
    return period_text(period_key(moment, group_by))


def period_key(moment: ColumnElement, group_by: str) -> ColumnElement:
    """What to group `moment` by for its week or month in Asia/Shanghai: its period's start,
    as `period_text` writes it on SQLite; as a timestamp on PostgreSQL, so that a year of cases
    is sorted by a timestamp and written out once a period, not once a case."""
    if group_by not in ("week", "month"):
        raise ValueError(group_by)
    if is_sqlite():
        if group_by == "week":
            # Back six days, then forward to the next Monday: the Monday on or before.
            return func.date(
                moment,
                _SQLITE_SHANGHAI,
                literal_column("'-6 days'"),
                literal_column("'weekday 1'"),
            )
        return func.strftime(literal_column("'%Y-%m-01'"), moment, _SQLITE_SHANGHAI)
    return func.date_trunc(literal_column(f"'{group_by}'"), func.timezone(_PG_ZONE, moment))


def period_text(key: ColumnElement) -> ColumnElement[str]:
    """A `period_key` as 'YYYY-MM-DD'."""
    if is_sqlite():
        return key
    return func.to_char(key, literal_column("'YYYY-MM-DD'"))


def per_group_and_total(
    columns: list[ColumnElement], key: ColumnElement
) -> Select | CompoundSelect:
    """`columns` (aggregates) per `period_key` value, as `period` ('YYYY-MM-DD'), and once more
    over every row, with `period` NULL: PostgreSQL in one pass (ROLLUP); SQLite, which has no
    ROLLUP, in two."""
    if is_sqlite():
        return union_all(
            select(key.label("period"), *columns).group_by(key),
            select(null().label("period"), *columns),
        )
    return select(period_text(key).label("period"), *columns).group_by(func.rollup(key))


def percentiles(
    value: ColumnElement,
    where: list[ColumnElement[bool]],
    fractions: tuple[float, ...],
    group: ColumnElement | None = None,
) -> Select:
    """Continuous percentiles (as `percentile_cont`) of `value` over rows matching `where`.

    Columns: `grp` (when grouped), `n` (rows with a value), then `p0`, `p1` … per fraction.
    """
    where = [*where, value.is_not(None)]
    if not is_sqlite():
        columns = [func.count(value).label("n")]
        columns += [
            # A literal, not a parameter: percentile_cont is overloaded on its argument's type.
            func.percentile_cont(literal_column(repr(float(f)))).within_group(value).label(f"p{i}")
            for i, f in enumerate(fractions)
        ]
        if group is None:
            return select(*columns).where(*where)
        return select(group.label("grp"), *columns).where(*where).group_by(group)

    # SQLite has no percentile_cont: rank the values, then interpolate between the two
    # ranks around fraction × (n - 1), exactly as PostgreSQL's percentile_cont does.
    partition = [group] if group is not None else None
    ranked_columns = [
        value.label("v"),
        (func.row_number().over(partition_by=partition, order_by=value) - 1).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ]
    if group is not None:
        ranked_columns.insert(0, group.label("grp"))
    ranked = select(*ranked_columns).where(*where).subquery("ranked")
    columns = [func.max(ranked.c.n).label("n")]
    for i, fraction in enumerate(fractions):
        position = fraction * (ranked.c.n - 1)
        lower = cast(position, Integer)  # floor: positions are never negative
        weight = position - lower
        columns.append(
            func.sum(
                case(
                    (ranked.c.rn == lower, ranked.c.v * (1 - weight)),
                    (ranked.c.rn == lower + 1, ranked.c.v * weight),
                    else_=0.0,
                )
            ).label(f"p{i}")
        )
    if group is None:
        return select(*columns)
    return select(ranked.c.grp, *columns).group_by(ranked.c.grp)


def percentile_columns(
    value: ColumnElement, required: ColumnElement, fractions: tuple[float, ...], name: str
) -> list[ColumnElement] | None:
    """`{name}_n`, `{name}_p0` … as aggregate columns to add to another query, so a pass over
    the cases that counts them also gives the percentiles. `value` must be NULL exactly when
    `required` is (a span from `required`): percentile_cont skips NULLs, so no FILTER is
    needed, and without one the fractions share one sort and `value` is computed once a row
    (a FILTER repeating it cost more than the sort: exact seconds are numeric arithmetic).
    None on SQLite, where `percentiles` is a query of its own."""
    if is_sqlite():
        return None
    columns = [func.count(required).label(f"{name}_n")]
    columns += [
        func.percentile_cont(literal_column(repr(float(f))))
        .within_group(value)
        .label(f"{name}_p{i}")
        for i, f in enumerate(fractions)
    ]
    return columns


def roomy_sorts() -> None:
    """PostgreSQL: let this transaction sort a year of durations in memory, not on disk
    (the default 4 MB spills half a million values to temporary files)."""
    if not is_sqlite():
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))


def counts_by(r: Subquery, names: Sequence[str]) -> dict[str, dict[str | None, int]]:
    """{column: {value: cases}} for each column of `r`.

    PostgreSQL: one pass with GROUPING SETS (a year of a district is half a million rows, and
    one pass per column cost a third of a second each); SQLite: one GROUP BY per column.
    """
    if is_sqlite():
        return {
            name: {
                key: int(n)
                for key, n in db.session.execute(
                    select(r.c[name], func.count()).group_by(r.c[name])
                )
            }
            for name in names
        }
    columns = [r.c[name] for name in names]
    # grouping(column) is 0 on the rows grouped by that column (its NULLs included).
    flags = [func.grouping(column).label(f"g{i}") for i, column in enumerate(columns)]
    query = select(*columns, *flags, func.count().label("n")).group_by(func.grouping_sets(*columns))
    found: dict[str, dict[str | None, int]] = {name: {} for name in names}
    for row in db.session.execute(query):
        i = next(i for i in range(len(names)) if row._mapping[f"g{i}"] == 0)
        found[names[i]][row[i]] = int(row.n)
    return found
