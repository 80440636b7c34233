"""Mediation builds on the loop after dispatch: the same units, staff and dispatched cases."""

from tests.workflow.conftest import act, clock_is_left_running, dispatched, staff, tiers  # noqa: F401
