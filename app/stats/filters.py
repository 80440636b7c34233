"""Which reports a statistic or ledger covers: the caller's scope, a period, an area, filters."""

import contextlib
from dataclasses import dataclass
from datetime import datetime, time

import marshmallow as ma
from sqlalchemy import ColumnElement, select

from app.accounts.models import User
from app.areas.models import Area
from app.categories.models import Category
from app.core.auth import scope_of
from app.core.clock import SHANGHAI
from app.core.errors import Forbidden, Invalid
from app.core.schemas import Schema, ShanghaiDateTime
from app.extensions import db
from app.lifecycle.policy import visible_clause
from app.reports.models import Report


@dataclass(frozen=True)
class ReportFilter:
    since: datetime | None = None
    until: datetime | None = None
    area_code: str | None = None
    statuses: tuple[str, ...] = ()
    category_code: str | None = None
    channel: str | None = None

    @classmethod
    def from_args(cls, args: dict) -> "ReportFilter":
        return cls(
            since=args.get("since"),
            until=args.get("until"),
            area_code=args.get("area_code"),
            statuses=tuple(args.get("status") or ()),
            category_code=args.get("category_code"),
            channel=args.get("channel"),
        )


def area_in_scope(user: User, code: str, field: str = "area_code") -> Area:
    """The area named in a query: 422 when unknown, 403 when it lies outside the caller's areas.

    An area that contains the caller's areas is allowed (counts stay limited to their scope).
    """
    area = db.session.scalars(select(Area).where(Area.code == code)).first()
    if area is None:
        raise Invalid.field(field, f"unknown area {code}", "query")
    scope = scope_of(user)
    if not scope.unrestricted and not any(
        area.path.startswith(p) or p.startswith(area.path) for p in scope.paths
    ):
        raise Forbidden(f"area {code} is outside your areas")
    return area


def category_and_children(code: str) -> list[str]:
    """A category with every category below it: 物业纠纷 counts 物业收费 too."""
    parents = dict(db.session.execute(select(Category.code, Category.parent_code)).all())
    if code not in parents:
        raise Invalid.field("category_code", f"unknown category {code}", "query")

    def under(c: str | None) -> bool:
        while c is not None:
            if c == code:
                return True
            c = parents.get(c)
        return False

    return sorted(c for c in parents if under(c))


def report_clauses(user: User, f: ReportFilter) -> list[ColumnElement[bool]]:
    """SQL conditions: what the caller may see, narrowed by the filter."""
    clauses = [visible_clause(user)]
    if f.since is not None:
        clauses.append(Report.created_at >= f.since)
    if f.until is not None:
        clauses.append(Report.created_at < f.until)
    if f.area_code:
        area = area_in_scope(user, f.area_code)
        clauses.append(Report.area_path.startswith(area.path, autoescape=True))
    if f.statuses:
        clauses.append(Report.status.in_(f.statuses))
    if f.category_code:
        clauses.append(Report.category_code.in_(category_and_children(f.category_code)))
    if f.channel:
        clauses.append(Report.channel == f.channel)
    return clauses


class PeriodBound(ShanghaiDateTime):
    """A moment, or a date meaning its midnight in Asia/Shanghai."""

    YEARS = (1970, 2999)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = None
        if isinstance(value, str) and len(value) == 10:
            with contextlib.suppress(ValueError):
                moment = datetime.combine(
                    datetime.strptime(value, "%Y-%m-%d").date(), time(0), SHANGHAI
                )
        if moment is None:
            moment = super()._deserialize(value, attr, data, **kwargs)
        if not self.YEARS[0] <= moment.year <= self.YEARS[1]:
            raise ma.ValidationError(
                f"must be between the years {self.YEARS[0]} and {self.YEARS[1]}"
            )
        return moment


# Area and category codes: letters, digits, "_", "." and "-" (a NUL would upset PostgreSQL).
CODE = ma.validate.Regexp(r"^[\w.\-]{1,64}$", error="not a code")


class PeriodArgs(Schema):
    """?since=&until=&area_code=: cases received in [since, until), within an area."""

    since = PeriodBound(
        metadata={"description": "received at or after (ISO 8601; a date is Shanghai midnight)"}
    )
    until = PeriodBound(metadata={"description": "received before (exclusive)"})
    area_code = ma.fields.String(
        validate=CODE, metadata={"description": "only cases inside this area"}
    )

    @ma.validates_schema
    def _order(self, data, **kwargs):
        if data.get("since") and data.get("until") and data["until"] <= data["since"]:
            raise ma.ValidationError("must be later than since", "until")
