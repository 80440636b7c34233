"""Mediation builds on the loop after dispatch: the same units, staff and dispatched cases."""

from tests.workflow.conftest import (  # noqa: F401
    act,
    clock_is_left_running,
    dispatched,
    staff,
    tiers,
)
