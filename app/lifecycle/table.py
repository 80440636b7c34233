"""A report's life as one table: every action, the states it starts from, the state it ends in,
who may take it, what it does to the report and whether its event is public.

`apply` (app.lifecycle.engine) runs a row; the API publishes the table (`describe()`) in the
OpenAPI document; the tests enumerate it: any (state, action) pair not here is refused (409).
The effect functions hold what an action *does* (timestamps, counters, claims, deadlines,
tier); their docstrings are the table's "effect" column.

Scope, for every row: a responder acts only on the case while it is with their unit; other
staff only on reports the access policy (app.lifecycle.policy) lets them see; the reporter
through the tracking number and key; the system (the sweep, the reopening limit) anywhere.
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.lifecycle import ending, triage, unit
from app.lifecycle.engine import REPORTER, SYSTEM, ActorLike, Step, in_scope
from app.mediation import parts
from app.mediation.sessions import mediate
from app.reports.models import Report

R, S = REPORTER.role, SYSTEM.role

ACTIONS = (
    "dispatch", "merge", "reject", "need_info", "add_info",
    "accept", "return", "progress", "escalate", "resolve",
    "follow_up", "reopen", "supervise", "close", "close_without_follow_up", "archive",
    "mediate", "summon", "acknowledge", "report_part", "release",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    action: str
    starts: tuple[str, ...]
    to: str | None  # None: the state does not change (a note, a call-back)
    roles: frozenset[str]
    effect: Callable[[Step], None]
    public: bool = False  # the event shows on the reporter's tracking page
    # Also taken, in the same role, as the consequence of these actions (see Step.then).
    follows: tuple[str, ...] = ()
    # A precondition on the report alone, for the buttons a screen offers (allowed_actions).
    ready: Callable[[Report], bool] | None = None
    # Whether this actor, in this role, may act on this report (see the module's docstring).
    scope: Callable[[ActorLike, str, Report], bool] = in_scope


def row(action, starts, to, roles, effect, **options) -> Row:
    return Row(action, tuple(starts), to, frozenset(roles), effect, **options)


OPEN = ("dispatched", "accepted", "in_progress")

ROWS = (
    # 分流交办: the cleaner's triage.
    row("dispatch", ["received"], "dispatched", ["cleaner"], triage.dispatch, public=True),
    row("merge", ["received", "needs_info"], "merged", ["cleaner"], triage.merge, public=True),
    row("reject", ["received", "needs_info"], "rejected", ["cleaner"], triage.reject, public=True),
    row("need_info", ["received"], "needs_info", ["cleaner"], triage.need_info, public=True),
    row("add_info", ["needs_info"], "received", [R, "cleaner", "grid_worker"], triage.add_info,
        public=True),
    # 接单: the unit accepts, or returns a case that is not theirs.
    row("accept", ["dispatched"], "accepted", ["responder"], unit.accept, public=True),
    row("return", ["dispatched"], "received", ["responder"], unit.return_to_queue,
        ready=unit.can_return),
    # 处置: progress notes, escalation to the next tier, the result.
    # A co-unit (协办) that accepted its part adds progress and sessions too.
    row("progress", ["accepted"], "in_progress", ["responder"], unit.progress,
        scope=parts.lead_or_co_unit),
    row("progress", ["in_progress"], None, ["responder"], unit.progress,
        scope=parts.lead_or_co_unit),
    # 调解: a mediation session on record; the first one starts the work like a progress note.
    row("mediate", ["accepted"], "in_progress", ["responder", "cleaner", "supervisor"], mediate,
        public=True, scope=parts.lead_or_co_unit),
    row("mediate", ["in_progress"], None, ["responder", "cleaner", "supervisor"], mediate,
        public=True, scope=parts.lead_or_co_unit),
    # 联调联处 / 吹哨报到: other units' parts of the case (app.mediation.parts).
    row("summon", ["accepted", "in_progress"], None, ["responder", "supervisor"], parts.summon),
    row("acknowledge", OPEN, None, ["responder"], parts.acknowledge, scope=parts.holds_a_part),
    row("report_part", OPEN, None, ["responder"], parts.report_part, scope=parts.holds_a_part),
    row("release", OPEN, None, ["responder", "cleaner", "supervisor"], parts.release,
        ready=parts.has_unfinished_part),
    row("escalate", ["dispatched"], "dispatched", ["supervisor", S], unit.escalate, public=True),
    row("escalate", ["accepted", "in_progress"], "dispatched", ["responder", "supervisor", S],
        unit.escalate, public=True),
    row("resolve", ["accepted", "in_progress"], "resolved", ["responder"], unit.resolve,
        public=True, ready=parts.no_open_co_unit_part),
    # 督办: supervision notes on any open or resolved case.
    row("supervise", [*OPEN, "resolved"], None, ["supervisor"], unit.supervise),
    # 回访 and the end: call-back, reopen (返工), close, archive.
    row("follow_up", ["resolved"], None, ["grid_worker", "cleaner", R], ending.follow_up,
        public=True),
    row("reopen", ["resolved"], "in_progress", ["cleaner", "supervisor", S], ending.reopen,
        public=True, follows=("follow_up",)),
    row("reopen", ["closed"], "in_progress", ["cleaner", "supervisor"], ending.reopen,
        public=True),
    row("close", ["resolved"], "closed", ["cleaner", "supervisor"], ending.close, public=True,
        ready=lambda report: report.followed_up_at is not None),
    row("close_without_follow_up", ["resolved"], "closed", ["supervisor"],
        ending.close_without_follow_up, public=True,
        ready=lambda report: not ending.has_reporter_contact(report)),
    row("archive", ["closed", "rejected", "merged"], "archived", ["cleaner", "supervisor"],
        ending.archive),
)  # fmt: skip

TRANSITIONS: dict[tuple[str, str], Row] = {(state, r.action): r for r in ROWS for state in r.starts}
assert len(TRANSITIONS) == sum(len(r.starts) for r in ROWS), "a (state, action) pair twice"
assert {r.action for r in ROWS} == set(ACTIONS)


def step_for(state: str, action: str) -> Row | None:
    return TRANSITIONS.get((state, action))


def staff_roles_for(action: str) -> tuple[str, ...]:
    """The staff roles that may take `action` in some state (the endpoint's role gate)."""
    roles = {r for (_, a), step in TRANSITIONS.items() if a == action for r in step.roles}
    return tuple(sorted(roles - {R, S}))


def _effect(r: Row) -> str:
    doc = (r.effect.__doc__ or "").strip().splitlines()[0]
    if r.follows:
        doc += f" Also after {', '.join(r.follows)}, by whoever took it."
    return doc.replace("|", "/")


def describe(*actions: str) -> str:
    """The table (or the rows of `actions`) as Markdown, for the OpenAPI descriptions."""
    rows = ["| from | action | to | roles | effect |", "|---|---|---|---|---|"]
    for (state, action), r in TRANSITIONS.items():
        if actions and action not in actions:
            continue
        rows.append(
            f"| {state} | {action} | {r.to or state} | {', '.join(sorted(r.roles))} "
            f"| {_effect(r)} |"
        )
    return "\n".join(rows)
