"""Time to triage per day, cleaner and channel, from queued_at and triaged_at."""

from datetime import UTC, datetime, timedelta

from app.core.clock import frozen_at

# 23:30 in Shanghai on 30 April: the decision half an hour later falls on 1 May there.
T0 = datetime(2026, 4, 30, 15, 30, tzinfo=UTC)
DISPATCH = {"action": "dispatch", "category_code": "neighbour.noise", "risk_level": "low"}


def test_timings_per_day_cleaner_and_channel(file_report, make_user, client, auth):
    first = make_user("cleaner", ["D"], display_name="甲")
    second = make_user("cleaner", ["D"], display_name="乙")
    with frozen_at(T0) as clock:
        a = file_report("楼上装修噪音", channel="qr_scan")
        b = file_report("楼下油烟", channel="qr_scan")
        c = file_report("工地噪音", channel="grid_worker")
        clock.advance(timedelta(minutes=30))
        post = client.post
        assert (
            post(f"/api/v1/reports/{a.id}/triage", json=DISPATCH, headers=auth(first)).status_code
            == 200
        )
        clock.advance(timedelta(minutes=60))
        reject = {"action": "reject", "reason": "无效信息"}
        assert (
            post(f"/api/v1/reports/{b.id}/triage", json=reject, headers=auth(first)).status_code
            == 200
        )
        assert (
            post(f"/api/v1/reports/{c.id}/triage", json=DISPATCH, headers=auth(second)).status_code
            == 200
        )
    response = client.get(
        "/api/v1/queue/timings",
        query_string={"since": "2026-04-30T00:00:00+08:00", "until": "2026-05-02T00:00:00+08:00"},
        headers=auth(make_user("supervisor", ["D"])),
    )
    assert response.status_code == 200
    rows = [
        (
            r["day"],
            r["cleaner_name"],
            r["channel"],
            r["triaged"],
            r["dispatched"],
            r["median_minutes"],
        )
        for r in response.json
    ]
    assert rows == [
        ("2026-05-01", "甲", "qr_scan", 2, 1, 60.0),
        ("2026-05-01", "乙", "grid_worker", 1, 1, 90.0),
    ]
    bad = client.get(
        "/api/v1/queue/timings",
        query_string={"since": "2026-05-02T00:00:00+08:00", "until": "2026-05-01T00:00:00+08:00"},
        headers=auth(first),
    )
    assert bad.status_code == 422 and "until" in bad.json["errors"]["query"]
