"""Schemathesis against our own OpenAPI document, as every role, on both databases.

Fails on any 5xx and on any response that does not match its documented schema. The admin
run is the broad one; every other role gets one example per operation (enough to reach
the workflow steps and scoped reads an admin never takes) over a few stored reports, so the
whole file stays within a few minutes on two cores. The malformed inputs found by hand
(NUL, surrogates, ids past the column, cursors, dates) are in tests/hardening.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def api_schema(app, areas):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case, admin_headers):
    case.call_and_validate(headers={**(case.headers or {}), **admin_headers}, checks=CHECKS)


ROLE_SCOPES = {
    "supervisor": (["D"], "unit-D"),
    "cleaner": (["D"], "unit-D"),
    "responder": (["S1"], "unit-S1"),
    "grid_worker": (["S1"], None),
}


@pytest.fixture
def fuzz_staff(areas, make_user, auth) -> dict[str, dict[str, str]]:
    """A user of each role in its usual scope, and a few reports they can see and act on."""
    from app.extensions import db
    from app.reports.intake import NewParty, NewReport, create_report
    from tests.geometry import INSIDE_G1

    for text in ("楼道堆满杂物，堵住消防通道", "邻居装修噪音扰民", "有人在小区门口打架"):
        create_report(
            NewReport(text, "walk_in", *INSIDE_G1, reporter_phone="13812345678",
                      parties=[NewParty("王某", "当事人", "13987654321")])
        )  # fmt: skip
    db.session.commit()
    return {role: auth(make_user(role, *scope)) for role, scope in ROLE_SCOPES.items()}


def _as(role: str):
    @schema.parametrize()
    @settings(
        max_examples=1,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def test(case, fuzz_staff):
        headers = {**(case.headers or {}), **fuzz_staff[role]}
        case.call_and_validate(headers=headers, checks=CHECKS)

    return test


test_every_operation_conforms_as_supervisor = _as("supervisor")
test_every_operation_conforms_as_cleaner = _as("cleaner")
test_every_operation_conforms_as_responder = _as("responder")
test_every_operation_conforms_as_grid_worker = _as("grid_worker")
