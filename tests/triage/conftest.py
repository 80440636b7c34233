"""Factories for the queue tests: reports at known places, cleaners of the test district."""

from collections.abc import Callable

import pytest

from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.reports.models import Report
from tests.helpers.geometry import INSIDE_G1


@pytest.fixture
def file_report(areas) -> Callable[..., Report]:
    """Store a report through the one intake path (so the suggestion hook runs) and commit."""

    def make(description: str = "楼道里堆满杂物，影响通行", at=INSIDE_G1, **kw) -> Report:
        lon, lat = at if at is not None else (None, None)
        report = create_report(
            NewReport(description, kw.pop("channel", "qr_scan"), lon, lat, **kw)
        ).report
        db.session.commit()
        return report

    return make


@pytest.fixture
def cleaner(make_user):
    return make_user("cleaner", ["D"], display_name="清洗员甲")
