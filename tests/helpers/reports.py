"""Bodies for the staff report API."""

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
