"""Claims: concurrent cleaners never get the same report, leases expire, claims are released."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.tokens import issue_pair
from app.core.clock import frozen_at
from app.extensions import db
from app.reports.models import Report
from app.triage.claims import claim_next

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
CLEANERS = 4


def run_in_threads(app, work, args) -> list[BaseException]:
    """Run `work(arg)` in one thread per arg, each with its own app context and session."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(args))

    def target(arg):
        try:
            with app.app_context():
                try:
                    barrier.wait()
                    work(arg)
                finally:
                    db.session.remove()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=target, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_claims_never_overlap_and_lose_nothing(app, file_report, make_user):
    report_ids = {file_report(f"{i}号楼楼道堆放杂物").id for i in range(48)}
    cleaner_ids = [make_user("cleaner", ["D"]).id for _ in range(CLEANERS)]
    db.session.commit()  # the main thread holds no transaction while the threads work
    taken: dict[int, list[int]] = {c: [] for c in cleaner_ids}

    def work(user_id: int) -> None:
        user = db.session.get(User, user_id)
        while True:
            claimed = [r.id for r in claim_next(user, 3)]
            db.session.commit()
            if not claimed:
                return
            taken[user_id].extend(claimed)

    assert run_in_threads(app, work, cleaner_ids) == []
    every = [i for ids in taken.values() for i in ids]
    assert len(every) == len(set(every)) == len(report_ids)
    assert set(every) == report_ids
    holders = dict(db.session.execute(select(Report.id, Report.claimed_by_user_id)).tuples().all())
    assert all(holders[i] == user_id for user_id, ids in taken.items() for i in ids)


def test_two_cleaners_triaging_one_report_at_once(app, file_report, make_user):
    report_id = file_report("楼上装修噪音太大").id
    tokens = [issue_pair(make_user("cleaner", ["D"])).access_token for _ in range(2)]
    db.session.commit()  # the main thread holds no transaction while the threads work
    statuses: list[int] = []

    def work(token: str) -> None:
        response = app.test_client().post(
            f"/api/v1/reports/{report_id}/triage",
            json={"action": "dispatch", "category_code": "neighbour.noise", "risk_level": "low"},
            headers={"Authorization": f"Bearer {token}"},
        )
        statuses.append(response.status_code)

    assert run_in_threads(app, work, tokens) == []
    assert sorted(statuses) == [200, 409]
    db.session.expire_all()
    stored = db.session.get(Report, report_id)
    dispatches = [e for e in stored.events if e.action == "dispatch"]
    assert stored.status == "dispatched" and len(dispatches) == 1


def test_an_expired_lease_returns_the_report_to_the_queue(file_report, make_user, client, auth):
    first, second = make_user("cleaner", ["D"]), make_user("cleaner", ["D"])
    with frozen_at(T0) as clock:
        ids = [file_report(f"{i}号楼漏水").id for i in range(3)]
        clock.advance(timedelta(minutes=1))
        taken = client.post("/api/v1/queue/claim", json={"limit": 2}, headers=auth(first))
        assert taken.status_code == 200 and taken.json["lease_seconds"] == 600
        assert [i["report"]["id"] for i in taken.json["items"]] == ids[:2]
        assert all(i["claim"]["mine"] for i in taken.json["items"])
        clock.advance(timedelta(minutes=5))
        rest = client.post("/api/v1/queue/claim", json={"limit": 5}, headers=auth(second))
        assert [i["report"]["id"] for i in rest.json["items"]] == ids[2:]
        clock.advance(timedelta(minutes=4, seconds=59))
        none = client.post("/api/v1/queue/claim", json={"limit": 5}, headers=auth(second))
        assert none.json["items"] == []
        clock.advance(timedelta(seconds=2))
        again = client.post("/api/v1/queue/claim", json={"limit": 5}, headers=auth(second))
        assert [i["report"]["id"] for i in again.json["items"]] == ids[:2]
        # The first cleaner's lease ran out: acting on it now meets the second one's claim.
        late = client.post(
            f"/api/v1/reports/{ids[0]}/triage",
            json={"action": "reject", "reason": "无效信息"},
            headers=auth(first),
        )
        assert late.status_code == 409


def test_queue_shows_who_holds_what(file_report, make_user, client, auth):
    first, second = make_user("cleaner", ["D"]), make_user("cleaner", ["D"], display_name="乙")
    a, b = file_report("楼道堆物"), file_report("噪音扰民")
    client.post(f"/api/v1/reports/{a.id}/claim", headers=auth(second))
    listing = client.get("/api/v1/queue", headers=auth(first)).json["items"]
    claims = {i["report"]["id"]: i["claim"] for i in listing}
    assert claims[a.id]["display_name"] == "乙" and claims[a.id]["mine"] is False
    assert claims[b.id] is None
    free = client.get("/api/v1/queue?claimed=free", headers=auth(first)).json["items"]
    assert [i["report"]["id"] for i in free] == [b.id]
    mine = client.get("/api/v1/queue?claimed=mine", headers=auth(second)).json["items"]
    assert [i["report"]["id"] for i in mine] == [a.id]


def test_release_and_per_report_claims(file_report, make_user, client, auth):
    first, second = make_user("cleaner", ["D"]), make_user("cleaner", ["D"])
    a, b, c = (file_report(f"{i}号楼漏水") for i in range(3))
    assert client.post(f"/api/v1/reports/{a.id}/claim", headers=auth(first)).status_code == 200
    assert client.post(f"/api/v1/reports/{b.id}/claim", headers=auth(first)).status_code == 200
    taken = client.post(f"/api/v1/reports/{a.id}/claim", headers=auth(second))
    assert taken.status_code == 409 and "清洗员" not in taken.json["message"]
    assert client.delete(f"/api/v1/reports/{a.id}/claim", headers=auth(second)).status_code == 409
    released = client.post(
        "/api/v1/queue/release", json={"report_ids": [a.id, c.id]}, headers=auth(first)
    )
    assert released.json == {"released": [a.id], "not_held": [c.id]}
    assert client.post(f"/api/v1/reports/{a.id}/claim", headers=auth(second)).status_code == 200
    assert client.delete(f"/api/v1/reports/{b.id}/claim", headers=auth(first)).status_code == 204
    db.session.expire_all()
    assert db.session.get(Report, b.id).claimed_by_user_id is None
    assert db.session.get(Report, a.id).claimed_by_user_id == second.id


def test_claims_need_the_cleaner_role_and_a_sane_limit(file_report, make_user, client, auth):
    file_report()
    supervisor = make_user("supervisor", ["D"])
    assert client.post("/api/v1/queue/claim", json={}, headers=auth(supervisor)).status_code == 403
    assert client.get("/api/v1/queue", headers=auth(supervisor)).status_code == 200
    cleaner = make_user("cleaner", ["D"])
    bad = client.post("/api/v1/queue/claim", json={"limit": 0}, headers=auth(cleaner))
    assert bad.status_code == 422 and "limit" in bad.json["errors"]["json"]


def test_a_cleaner_sees_only_the_queue_of_their_areas(file_report, make_user, client, auth):
    from tests.helpers.geometry import FAR_EAST, INSIDE_S2

    in_s1, in_s2, outside = (
        file_report("S1的事"),
        file_report("S2的事", at=INSIDE_S2),
        file_report("界外的事", at=FAR_EAST),
    )
    s2_cleaner = make_user("cleaner", ["S2"])
    listed = {
        i["report"]["id"]
        for i in client.get("/api/v1/queue", headers=auth(s2_cleaner)).json["items"]
    }
    # Reports outside every area go to the district's desk, not to a sub-district's (issue #12).
    assert listed == {in_s2.id} and in_s1.id not in listed
    claimed = client.post("/api/v1/queue/claim", json={"limit": 10}, headers=auth(s2_cleaner))
    assert {i["report"]["id"] for i in claimed.json["items"]} == {in_s2.id}
    district_cleaner = make_user("cleaner", ["D"])
    listed = {
        i["report"]["id"]
        for i in client.get("/api/v1/queue", headers=auth(district_cleaner)).json["items"]
    }
    assert outside.id in listed


def test_queue_pages_cover_everything_once_in_order(file_report, cleaner, client, auth):
    with frozen_at(T0) as clock:
        for text in ("楼道堆物", "有人打架", "噪音", "有人跳楼", "漏水", "工地欠薪"):
            file_report(text)
            clock.advance(timedelta(minutes=1))
    headers, seen, cursor = auth(cleaner), [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/queue", query_string=query, headers=headers).json
        seen += [i["report"]["description"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["有人跳楼", "有人打架", "工地欠薪", "楼道堆物", "噪音", "漏水"]
    bad = client.get("/api/v1/queue?cursor=WzFd", headers=headers)
    assert bad.status_code == 422 and "cursor" in bad.json["errors"]["query"]
