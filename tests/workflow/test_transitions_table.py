"""The state machine table: every (state, action) pair not in it is refused with 409."""

import itertools

import pytest

from app.core.errors import Forbidden, InvalidTransition
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.reports.models import STATUSES
from app.workflow.service import take_step
from app.workflow.transitions import ACTIONS, TRANSITIONS, describe

NOT_ALLOWED = [p for p in itertools.product(STATUSES, ACTIONS) if p not in TRANSITIONS]


def test_table_only_names_known_states_actions_and_roles():
    for (state, action), step in TRANSITIONS.items():
        assert state in STATUSES and action in ACTIONS
        assert step.to is None or step.to in STATUSES
        assert step.roles <= {
            "admin",
            "supervisor",
            "cleaner",
            "responder",
            "grid_worker",
            "reporter",
            "system",
        }
    assert "| received | dispatch | dispatched | cleaner |" in describe()


@pytest.mark.parametrize(("state", "action"), NOT_ALLOWED)
def test_pairs_outside_the_table_are_refused(app, make_user, state, action):
    report = create_report(NewReport("测试", "walk_in")).report
    report.status = state
    db.session.flush()
    with pytest.raises(InvalidTransition) as error:
        take_step(report, action, make_user("admin"))
    assert state in error.value.message and action in error.value.message
    assert error.value.status_code == 409


def test_step_changes_state_and_writes_event(app, make_user):
    report = create_report(NewReport("测试", "walk_in")).report
    cleaner = make_user("cleaner")
    event = take_step(report, "reject", cleaner, reason="无效信息")
    assert report.status == "rejected"
    assert (event.from_status, event.to_status, event.actor_role, event.reason) == (
        "received", "rejected", "cleaner", "无效信息",
    )  # fmt: skip


def test_wrong_role_is_forbidden(app, make_user):
    report = create_report(NewReport("测试", "walk_in")).report
    with pytest.raises(Forbidden):
        take_step(report, "dispatch", make_user("responder"))
    assert report.status == "received"
