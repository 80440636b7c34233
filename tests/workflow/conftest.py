"""Fixtures for the loop after dispatch: units on all three tiers, staff, dispatched cases."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from app.accounts.models import User
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.reports.models import Report
from app.units.service import create_unit
from app.workflow.seed import seed_workflow
from tests.helpers.db import (
    reload,  # noqa: F401  (tests written before tests.helpers import it here)
)
from tests.helpers.geometry import INSIDE_G1


@dataclass
class Staff:
    cleaner: User
    supervisor: User
    grid_worker: User
    community: User  # responder of unit-C1
    subdistrict: User  # responder of unit-S1
    district: User  # responder of unit-D
    other_subdistrict: User  # responder of unit-S2


@pytest.fixture
def tiers(areas) -> dict:
    """The test geography with a community unit too, and the seeded policies and calendar."""
    create_unit("unit-C1", "一号社区调委会", "community", "C1")
    seed_workflow()
    db.session.commit()
    return areas


@pytest.fixture
def staff(tiers, make_user) -> Staff:
    return Staff(
        cleaner=make_user("cleaner", ["D"], "unit-D"),
        supervisor=make_user("supervisor", ["D"], "unit-D"),
        grid_worker=make_user("grid_worker", ["S1"]),
        community=make_user("responder", ["C1"], "unit-C1"),
        subdistrict=make_user("responder", ["S1"], "unit-S1"),
        district=make_user("responder", ["D"], "unit-D"),
        other_subdistrict=make_user("responder", ["S2"], "unit-S2"),
    )


@pytest.fixture
def dispatched(staff, client, auth) -> Callable[..., Report]:
    """A case filed through intake and dispatched by the cleaner through the real triage API."""

    def make(
        unit: str = "unit-C1",
        risk: str = "medium",
        category: str = "neighbour.noise",
        channel: str = "qr_scan",
        phone: str | None = "13812345678",
        reporter: User | None = None,
        where: tuple[float, float] = INSIDE_G1,
    ) -> Report:
        report = create_report(
            NewReport("楼上每晚噪音扰民", channel, *where, reporter_phone=phone), reporter
        ).report
        db.session.commit()
        decision = {
            "action": "dispatch",
            "unit_code": unit,
            "category_code": category,
            "risk_level": risk,
        }
        if unit != report.unit_code:
            # The tests choose the tier; triage asks why when it is not the place's own unit.
            decision["reason"] = "按测试指定的层级派发"
        response = client.post(
            f"/api/v1/reports/{report.id}/triage", json=decision, headers=auth(staff.cleaner)
        )
        assert response.status_code == 200, response.json
        # Writing the answer read the report again: end that transaction, for on SQLite it
        # holds the write lock that a test's threads would wait for. The report reads afresh.
        db.session.commit()
        return report

    return make


@pytest.fixture
def act(client, auth) -> Callable[..., object]:
    """POST a workflow step as a user: act(user, report, "accept", json={...}, headers={...})."""

    def post(user: User, report: Report | int, step: str, **kwargs):
        report_id = report if isinstance(report, int) else report.id
        headers = {**auth(user), **kwargs.pop("headers", {})}
        response = client.post(f"/api/v1/reports/{report_id}/{step}", headers=headers, **kwargs)
        if response.status_code >= 400:
            # The request shares the test's app context, so its teardown rollback did not run.
            db.session.rollback()
        return response

    return post


@pytest.fixture(autouse=True)
def clock_is_left_running():
    """A test that leaves the clock frozen would silently change every later test's times."""
    yield
    from app.core import clock

    assert clock._frozen is None, "a test left the clock frozen"
