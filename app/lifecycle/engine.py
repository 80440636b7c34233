"""`apply`: the one way a report changes state. The table (app.lifecycle.table) says what each
action may start from, who may take it and what it does; this module checks and runs a row.

Order of refusals, so the answer names the real reason first: the state (409), the role and
the scope (403), the version the client had (409), then the action's own input (422/409).
"""

from dataclasses import dataclass
from typing import Any

from app.accounts.models import User
from app.core.clock import now
from app.core.errors import Conflict, Forbidden, Invalid, InvalidTransition
from app.lifecycle.policy import can_see
from app.lifecycle.signals import step_taken
from app.reports.events import record_event
from app.reports.models import Report, ReportEvent


@dataclass(frozen=True)
class Actor:
    """Someone acting who is not a signed-in user: the reporter (with their tracking key,
    checked at the public door) or the system (the deadline sweep, the reopening limit)."""

    role: str

    @property
    def roles(self) -> list[str]:
        return [self.role]

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


REPORTER, SYSTEM = Actor("reporter"), Actor("system")
ActorLike = User | Actor


@dataclass
class Step:
    """One action being taken: what the row's effect reads and writes."""

    report: Report
    action: str
    actor: ActorLike
    role: str
    row: Any  # table.Row
    data: dict[str, Any]
    event: ReportEvent | None = None

    @property
    def user(self) -> User | None:
        return self.actor if isinstance(self.actor, User) else None

    def text(self, name: str) -> str | None:
        """A text input, stripped; None when missing or blank."""
        value = self.data.get(name)
        return value.strip() or None if isinstance(value, str) else None

    def move(self, reason: str | None = None, payload: dict[str, Any] | None = None) -> ReportEvent:
        """Change the state as the row says and write the step's event (once per step)."""
        assert self.event is None, f"{self.action} moved twice"
        self.event = _move(
            self.report, self.action, self.user, self.role, self.row, reason, payload
        )
        return self.event

    def then(
        self, action: str, data: dict[str, Any], actor: ActorLike | None = None
    ) -> ReportEvent:
        """Take a step this one brings about (a dissatisfied call-back reopens the case), now.

        Taken by `actor` (default: whoever took this one). When the row names this action
        among those it follows, in this step's role; otherwise the actor needs a role of its own.
        """
        actor = actor or self.actor
        row = row_for(self.report, action)
        if self.action in row.follows and actor is self.actor:
            role = self.role
        else:
            role = acting_role(actor, row.roles)
        return _run(Step(self.report, action, actor, role, row, data))


def _move(report, action, user, role, row, reason, payload, public=None) -> ReportEvent:
    from_status = report.status
    if row.to is not None:
        report.status = row.to
    report.updated_at = now()
    return record_event(
        report,
        action,
        actor=user,
        role=role,
        from_status=from_status,
        to_status=report.status,
        reason=reason,
        payload=payload,
        public=row.public if public is None else public,
    )


def row_for(report: Report, action: str):
    """The table's row for the report's state and `action`, or 409 naming both."""
    from app.lifecycle.table import ACTIONS, TRANSITIONS

    if action not in ACTIONS:
        raise Invalid.field("action", f"must be one of {', '.join(ACTIONS)}")
    row = TRANSITIONS.get((report.status, action))
    if row is None:
        raise InvalidTransition(
            f"cannot {action} a report that is {report.status}",
            {"json": {"action": [f"not allowed in state {report.status}"]}},
        )
    return row


def acting_role(actor: ActorLike, roles: frozenset[str]) -> str:
    """The role the actor takes this step in: the first of theirs that the row allows."""
    for role in actor.roles:
        if role in roles:
            return role
    if isinstance(actor, Actor):
        raise Forbidden("this step needs a signed-in user with the right role")
    raise Forbidden(f"this step needs the role {' or '.join(sorted(roles))}")


def in_scope(actor: ActorLike, role: str, report: Report) -> bool:
    """The scope rule: a responder acts on their own unit's case; other staff on the reports
    the access policy lets them see; the reporter and the system are checked at their door."""
    if isinstance(actor, Actor):
        return True
    if role == "responder":
        return bool(actor.unit_code) and actor.unit_code == report.unit_code
    return can_see(actor, report)


def authorise(
    report: Report,
    action: str,
    actor: ActorLike,
    version: int | None = None,
    *,
    area_scope: bool = True,
):
    row = row_for(report, action)
    role = acting_role(actor, row.roles)
    if (area_scope or role == "responder") and not row.scope(actor, role, report):
        if role == "responder":
            raise Forbidden(
                f"report {report.id} is with unit {report.unit_code}; "
                "responders act only on their own unit's cases"
            )
        raise Forbidden(f"report {report.id} is outside your areas or unit")
    if version is not None and version != report.version:
        raise Conflict(
            f"report {report.id} changed (version {report.version}, you had {version}); "
            "reload and try again",
            {"json": {"version": [f"the report is at version {report.version}"]}},
        )
    return row, role


def apply(
    report: Report, action: str, actor: ActorLike, data: dict[str, Any] | None = None
) -> Report:
    """Take `action` on `report` as `actor` with the action's input `data`; the caller commits.

    `data["version"]`, when given, is the version the client loaded. A concurrent change is
    also caught at flush by the row's version column (SQLAlchemy's optimistic lock): 409.
    """
    data = dict(data or {})
    row, role = authorise(report, action, actor, data.get("version"))
    _run(Step(report, action, actor, role, row, data))
    return report


def _run(step: Step) -> ReportEvent:
    step.row.effect(step)
    if step.event is None:
        step.move(step.text("reason"))
    step_taken.send(step.report, action=step.action, event=step.event)
    return step.event


def allowed_actions(report: Report, user: ActorLike) -> list[str]:
    """The actions `user` may take on `report` now (the buttons a screen shows).

    State, role, scope and each row's precondition (e.g. a call-back before closing);
    not the input an action needs (a reason, a note), which the form asks for.
    """
    from app.lifecycle.table import ACTIONS, TRANSITIONS

    allowed = []
    for action in ACTIONS:
        row = TRANSITIONS.get((report.status, action))
        if row is None:
            continue
        role = next((r for r in user.roles if r in row.roles), None)
        if role is None or not row.scope(user, role, report):
            continue
        if row.ready is not None and not row.ready(report):
            continue
        allowed.append(action)
    return allowed


def take_step(
    report: Report,
    action: str,
    actor: ActorLike | None,
    *,
    as_role: str | None = None,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    public: bool = False,
) -> ReportEvent:
    """The bare transition without the action's effect: table, role, the unit, state, event.

    For fixtures that need a report in a given state with a given timeline; the app itself
    goes through `apply`, which also does what the action means. `actor=None` acts as the
    non-staff `as_role` (reporter or system).
    """
    who = actor if actor is not None else Actor(as_role or SYSTEM.role)
    row, role = authorise(report, action, who, area_scope=False)
    user = who if isinstance(who, User) else None
    return _move(report, action, user, role, row, reason, payload, public)
