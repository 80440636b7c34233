"""The buttons a page shows are exactly the transition table's steps this user may take now."""

from datetime import timedelta

import pytest

from app.console.actions import LABELS, allowed_actions
from app.core.clock import now
from app.lifecycle.table import TRANSITIONS
from app.mediation.parts import holds_a_part
from app.reports.models import STATUSES, Report


def case(status: str, **kw) -> Report:
    values = dict(
        id=1, status=status, area_path="/D/S1/C1/G1/", unit_code="unit-S1",
        assigned_at=now(), followed_up_at=now(), reporter_phone="13800138000",
    )  # fmt: skip
    values.update(kw)
    return Report(**values)


@pytest.mark.parametrize("role", ["cleaner", "supervisor", "grid_worker", "responder"])
def test_buttons_follow_the_table(staff, role):
    user = staff[role]
    for status in STATUSES:
        shown = set(allowed_actions(case(status), user))
        # 报到 and the part's report need a part of the case held by the user's unit (these
        # cases have none): tests/mediation/test_console.py shows them to that unit only.
        table = {
            action
            for (state, action), step in TRANSITIONS.items()
            if state == status
            and action in LABELS
            and user.has_role(*step.roles)
            and step.scope is not holds_a_part
        }
        assert shown == table, (role, status)


def test_other_units_claims_and_windows_hide_buttons(staff):
    assert allowed_actions(case("dispatched"), staff["other_responder"]) == []
    late = case("dispatched", assigned_at=now() - timedelta(days=10))
    assert "return" not in allowed_actions(late, staff["responder"])
    held = case("received", claimed_by_user_id=staff["supervisor"].id,
                claim_expires_at=now() + timedelta(minutes=5))  # fmt: skip
    assert allowed_actions(held, staff["cleaner"]) == []
    no_call = case("resolved", followed_up_at=None)
    assert "close" not in allowed_actions(no_call, staff["cleaner"])
    anonymous = case("resolved", followed_up_at=None, reporter_phone=None)
    assert "close" in allowed_actions(anonymous, staff["supervisor"])
