"""A report's life in one package.

* `table`   — every action as a row: from which states, to which, who, what it does;
* `engine`  — `apply(report, action, actor, data)`, the only code that changes a report's
  state, and `allowed_actions(report, user)`;
* `triage`, `unit`, `ending` — what each action does to the report (the rows' effects);
* `states`  — the four kinds of state (queued, open, finished, terminal);
* `policy`  — who may see which report, as one rule read both as SQL and in Python;
* `signals` — the named signals other packages react to.

Names are loaded on first use, so low-level modules (claims, queries) may import the policy
without pulling in the whole table.
"""

from importlib import import_module

_EXPORTS = {
    "apply": "engine",
    "allowed_actions": "engine",
    "take_step": "engine",
    "Actor": "engine",
    "REPORTER": "engine",
    "SYSTEM": "engine",
    "ACTIONS": "table",
    "TRANSITIONS": "table",
    "describe": "table",
    "staff_roles_for": "table",
    "STATE_CATEGORIES": "states",
    "QUEUED": "states",
    "OPEN": "states",
    "FINISHED": "states",
    "TERMINAL": "states",
    "category_of": "states",
    "is_queued": "states",
    "is_open": "states",
    "is_finished": "states",
    "is_terminal": "states",
    "can_see": "policy",
    "visible_clause": "policy",
    "report_for": "policy",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'app.lifecycle' has no attribute {name!r}")
    return getattr(import_module(f"app.lifecycle.{_EXPORTS[name]}"), name)
