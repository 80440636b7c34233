"""Fixtures for the staff report API: grid workers with their headers, and report bodies."""

import pytest

from tests.helpers.reports import REPORTS, report_body  # noqa: F401  (older imports)


@pytest.fixture
def worker(areas, make_user):
    """A grid worker of grid G1."""
    return make_user("grid_worker", ["G1"], username="wang")


@pytest.fixture
def worker_headers(worker, auth) -> dict[str, str]:
    return auth(worker)
