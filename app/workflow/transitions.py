"""The state machine as data: (state, action) → new state, and who may take that step.

The service consults this table, the API publishes it (see `describe()`), and the tests
enumerate it: any (state, action) pair missing here is refused with 409.
"""

from dataclasses import dataclass

# Actors who are not staff roles: the reporter (through tracking) and the system (the sweep).
REPORTER, SYSTEM = "reporter", "system"

ACTIONS = (
    "dispatch", "merge", "reject", "need_info", "add_info",
    "accept", "return", "progress", "escalate", "resolve",
    "follow_up", "reopen", "supervise", "close", "close_without_follow_up", "archive",
)  # fmt: skip

OPEN_STATES = ("dispatched", "accepted", "in_progress")


@dataclass(frozen=True)
class Step:
    to: str | None  # None: the state does not change (a note, a call-back)
    roles: frozenset[str]


def _step(to: str | None, *roles: str) -> Step:
    return Step(to, frozenset(roles))


TRANSITIONS: dict[tuple[str, str], Step] = {
    # 分流交办: the cleaner's triage.
    ("received", "dispatch"): _step("dispatched", "cleaner"),
    ("received", "merge"): _step("merged", "cleaner"),
    ("received", "reject"): _step("rejected", "cleaner"),
    ("received", "need_info"): _step("needs_info", "cleaner"),
    ("needs_info", "add_info"): _step("received", REPORTER, "cleaner", "grid_worker"),
    ("needs_info", "merge"): _step("merged", "cleaner"),
    ("needs_info", "reject"): _step("rejected", "cleaner"),
    # 接单: the unit accepts, or returns a case that is not theirs.
    ("dispatched", "accept"): _step("accepted", "responder"),
    ("dispatched", "return"): _step("received", "responder"),
    # 处置: progress notes, escalation to the next tier, the result.
    ("accepted", "progress"): _step("in_progress", "responder"),
    ("in_progress", "progress"): _step(None, "responder"),
    ("dispatched", "escalate"): _step("dispatched", "supervisor", SYSTEM),
    ("accepted", "escalate"): _step("dispatched", "responder", "supervisor", SYSTEM),
    ("in_progress", "escalate"): _step("dispatched", "responder", "supervisor", SYSTEM),
    ("accepted", "resolve"): _step("resolved", "responder"),
    ("in_progress", "resolve"): _step("resolved", "responder"),
    # 督办: supervision notes on any open case.
    ("dispatched", "supervise"): _step(None, "supervisor"),
    ("accepted", "supervise"): _step(None, "supervisor"),
    ("in_progress", "supervise"): _step(None, "supervisor"),
    ("resolved", "supervise"): _step(None, "supervisor"),
    # 回访 and the end: call-back, reopen (返工), close, archive.
    ("resolved", "follow_up"): _step(None, "grid_worker", "cleaner", REPORTER),
    ("resolved", "reopen"): _step(
        "in_progress", "cleaner", "supervisor", "grid_worker", REPORTER, SYSTEM
    ),
    ("closed", "reopen"): _step("in_progress", "cleaner", "supervisor"),
    ("resolved", "close"): _step("closed", "cleaner", "supervisor"),
    ("resolved", "close_without_follow_up"): _step("closed", "supervisor"),
    ("closed", "archive"): _step("archived", "cleaner", "supervisor"),
    ("rejected", "archive"): _step("archived", "cleaner", "supervisor"),
    ("merged", "archive"): _step("archived", "cleaner", "supervisor"),
}


def step_for(state: str, action: str) -> Step | None:
    return TRANSITIONS.get((state, action))


def staff_roles_for(action: str) -> tuple[str, ...]:
    """The staff roles that may take `action` in some state (the endpoint's role gate)."""
    roles = {r for (_, a), step in TRANSITIONS.items() if a == action for r in step.roles}
    return tuple(sorted(roles - {REPORTER, SYSTEM}))


def describe(*actions: str) -> str:
    """The table (or the rows of `actions`) as Markdown, for the OpenAPI descriptions."""
    rows = ["| from | action | to | roles |", "|---|---|---|---|"]
    for (state, action), step in TRANSITIONS.items():
        if actions and action not in actions:
            continue
        rows.append(
            f"| {state} | {action} | {step.to or state} | {', '.join(sorted(step.roles))} |"
        )
    return "\n".join(rows)
