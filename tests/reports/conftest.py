"""Fixtures for the staff report API: grid workers with their headers, and report bodies."""

import pytest

from tests.helpers.geometry import INSIDE_G1

REPORTS = "/api/v1/reports"


def report_body(**overrides) -> dict:
    """A grid worker's report at INSIDE_G1 (WGS84), with whatever the test changes."""
    body = {
        "description": "小区门口井盖缺失，有人摔伤",
        "channel": "grid_worker",
        "category_code": "safety_hazard",
        "location": {"lon": INSIDE_G1[0], "lat": INSIDE_G1[1], "coord_sys": "wgs84"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def worker(areas, make_user):
    """A grid worker of grid G1."""
    return make_user("grid_worker", ["G1"], username="wang")


@pytest.fixture
def worker_headers(worker, auth) -> dict[str, str]:
    return auth(worker)
