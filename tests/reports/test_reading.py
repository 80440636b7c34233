"""What staff see: scoped lists with filters and cursors, cheap polling, masked phones, 403s."""

from datetime import UTC, datetime, timedelta

import pytest

from app.core import clock
from app.extensions import db
from app.reports.models import Report
from tests.helpers.geometry import INSIDE_S2
from tests.helpers.reports import REPORTS, report_body

AT_S2 = {"lon": INSIDE_S2[0], "lat": INSIDE_S2[1]}


def file(client, headers, **overrides) -> dict:
    response = client.post(REPORTS, json=report_body(**overrides), headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [r["id"] for r in response.json["items"]]


@pytest.fixture
def s2_worker(make_user, auth):
    return auth(make_user("grid_worker", ["S2"], username="zhao"))


def test_a_grid_worker_sees_their_grids_and_their_own_reports(client, worker_headers, s2_worker):
    in_g1 = file(client, worker_headers)["id"]
    mine_in_s2 = file(client, worker_headers, location=AT_S2)["id"]
    theirs_in_s2 = file(client, s2_worker, location=AT_S2)["id"]
    assert ids(client.get(REPORTS, headers=worker_headers)) == [mine_in_s2, in_g1]
    assert ids(client.get(REPORTS, headers=s2_worker)) == [theirs_in_s2, mine_in_s2]
    assert ids(client.get(f"{REPORTS}?mine=true", headers=s2_worker)) == [theirs_in_s2]


def test_reading_another_grids_case_is_403_and_a_missing_one_404(client, worker_headers, s2_worker):
    theirs = file(client, s2_worker, location=AT_S2)["id"]
    response = client.get(f"{REPORTS}/{theirs}", headers=worker_headers)
    assert response.status_code == 403 and "outside your areas" in response.json["message"]
    assert client.get(f"{REPORTS}/{theirs}", headers=s2_worker).status_code == 200
    assert client.get(f"{REPORTS}/999999", headers=worker_headers).status_code == 404


def test_filters(client, areas, make_user, auth, worker_headers):
    admin = auth(make_user("admin"))
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with clock.frozen_at(start) as ticker:
        noise = file(client, worker_headers, category_code="neighbour.noise")["id"]
        ticker.advance(timedelta(hours=1))
        hotline = file(client, admin, channel="hotline_12345", location=AT_S2)["id"]
        ticker.advance(timedelta(hours=1))
        fees = file(client, worker_headers, category_code="property_mgmt.fees")["id"]
    db.session.get(Report, fees).status = "dispatched"
    db.session.commit()

    def listed(query: str) -> list[int]:
        return ids(client.get(f"{REPORTS}?{query}", headers=admin))

    assert listed("") == [fees, hotline, noise]
    assert listed("status=dispatched") == [fees]
    assert listed("status=dispatched&status=received") == [fees, hotline, noise]
    assert listed("area_code=S1") == [fees, noise]
    assert listed("area_code=S2") == [hotline]
    assert listed("category_code=neighbour") == [noise]  # a top-level kind includes its sub-kinds
    assert listed("category_code=property_mgmt.fees") == [fees]
    assert listed("channel=hotline_12345") == [hotline]
    # since/until in Shanghai time when no offset is given (start is 09:00 in Shanghai).
    assert listed("since=2026-03-02T10:00:00") == [fees, hotline]
    assert listed("until=2026-03-02T10:00:00") == [noise]
    assert listed("since=2026-03-02T01:30:00Z&until=2026-03-02T02:30:00Z") == [hotline]
    assert listed("mine=true") == [hotline]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("area_code=NOWHERE", "area_code"),
        ("category_code=nope", "category_code"),
        ("since=yesterday", "since"),
        ("since=2026-03-02T10:00:00&until=2026-03-01T10:00:00", "until"),
        ("limit=0", "limit"),
        ("cursor=@@@", "cursor"),
    ],
)
def test_bad_filters_are_422_naming_them(client, worker_headers, query, field):
    response = client.get(f"{REPORTS}?{query}", headers=worker_headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]


def test_pages_follow_the_cursor_newest_first(client, worker_headers):
    filed = [file(client, worker_headers, description=f"第{n}件")["id"] for n in range(5)]
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        page = client.get(f"{REPORTS}{query}", headers=worker_headers).json
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(filed))


def test_an_unchanged_list_is_304_and_a_change_is_seen(client, worker_headers):
    file(client, worker_headers)
    first = client.get(REPORTS, headers=worker_headers)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    unchanged = client.get(REPORTS, headers={**worker_headers, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert unchanged.headers["ETag"] == etag

    report = db.session.scalars(db.select(Report)).one()
    report.status = "dispatched"  # any change bumps the version, so the page's ETag moves
    db.session.commit()
    changed = client.get(REPORTS, headers={**worker_headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag

    file(client, worker_headers)
    newer = client.get(
        REPORTS, headers={**worker_headers, "If-None-Match": changed.headers["ETag"]}
    )
    assert newer.status_code == 200 and len(newer.json["items"]) == 2


def test_an_unchanged_report_is_304(client, worker_headers):
    created = file(client, worker_headers)
    url = f"{REPORTS}/{created['id']}"
    etag = client.get(url, headers=worker_headers).headers["ETag"]
    assert client.get(url, headers={**worker_headers, "If-None-Match": etag}).status_code == 304
    report = db.session.get(Report, created["id"])
    from app.reports.events import record_event

    record_event(report, "note", reason="现场核实")
    db.session.commit()
    assert client.get(url, headers={**worker_headers, "If-None-Match": etag}).status_code == 200


def test_phones_are_masked_for_responders_only(client, worker_headers, make_user, auth):
    created = file(
        client,
        worker_headers,
        channel="walk_in",
        reporter_phone="13812345678",
        parties=[{"name": "王五", "phone": "13987654321", "role": "被申请人"}],
    )
    responder = auth(make_user("responder", ["S1"], unit="unit-S1"))
    cleaner = auth(make_user("cleaner", ["D"]))
    url = f"{REPORTS}/{created['id']}"
    # A unit reads the case once it is dispatched to it (issue #12), not while it is queued.
    assert client.get(url, headers=responder).status_code == 403
    decision = {"action": "dispatch", "category_code": "neighbour.noise", "risk_level": "low"}
    assert client.post(f"{url}/triage", json=decision, headers=cleaner).status_code == 200

    seen = client.get(url, headers=responder).json
    assert seen["reporter_phone"] == "138****5678"
    assert seen["parties"][0]["phone"] == "139****4321"
    assert (
        client.get(REPORTS, headers=responder).json["items"][0]["reporter_phone"] == "138****5678"
    )
    for headers in (worker_headers, cleaner):
        full = client.get(url, headers=headers).json
        assert full["reporter_phone"] == "13812345678"
        assert full["parties"][0]["phone"] == "13987654321"
