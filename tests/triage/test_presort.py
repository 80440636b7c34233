"""Pre-sorting beside intake (PRESORT_AT_INTAKE off): nothing sorts low for want of it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.clock import frozen_at
from app.core.repeat import Round, repeat
from app.extensions import db
from app.reports.intake import NewReport, create_report
from app.reports.models import Report
from app.triage.models import ReportSuggestion
from app.triage.presort import presort_waiting
from tests.helpers.concurrency import parallel
from tests.helpers.geometry import INSIDE_S2

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def deferred(app):
    app.config["PRESORT_AT_INTAKE"] = False


def stored(report_id: int) -> ReportSuggestion | None:
    db.session.expire_all()
    return db.session.get(ReportSuggestion, report_id)


def test_intake_leaves_it_and_the_command_sorts_what_waits(app, deferred, file_report):
    leak = file_report("楼上卫生间漏水，我家天花板渗水")
    knife = file_report("邻居家有人持刀威胁")
    assert stored(leak.id) is None and stored(knife.id) is None
    result = app.test_cli_runner().invoke(args=["triage", "presort"])
    assert result.exit_code == 0, result.output
    assert "presorted: 2 reports" in result.output
    assert stored(leak.id).suggested_category_code == "neighbour.water_leak"
    assert stored(knife.id).suggested_risk == "critical"
    # Nothing is left, so a second run sorts nothing (and stores nothing twice).
    again = app.test_cli_runner().invoke(args=["triage", "presort"])
    assert "presorted: 0 reports" in again.output


def test_the_queue_sorts_what_waits_before_it_orders(deferred, file_report, client, auth, cleaner):
    with frozen_at(T0) as clock:
        ordinary = [file_report(f"{i}号楼楼道灯坏了").id for i in range(3)]
        clock.advance(timedelta(minutes=5))
        urgent = file_report("小区门口有人持刀伤人，请赶快来人").id
    assert stored(urgent) is None
    items = client.get("/api/v1/queue", headers=auth(cleaner)).json["items"]
    assert [i["report"]["id"] for i in items] == [urgent, *ordinary]
    assert items[0]["suggestions"]["risk_level"] == "critical"
    assert stored(urgent).suggested_risk == "critical"  # and it was kept


def test_a_claim_takes_the_urgent_one_first(deferred, file_report, client, auth, cleaner):
    with frozen_at(T0) as clock:
        file_report("楼道灯坏了")
        clock.advance(timedelta(minutes=5))
        urgent = file_report("有人要跳楼，情况紧急").id
    response = client.post("/api/v1/queue/claim", json={"limit": 1}, headers=auth(cleaner))
    assert response.status_code == 200, response.json
    assert [i["report"]["id"] for i in response.json["items"]] == [urgent]


def test_a_cleaner_sorts_only_their_own_scope(deferred, file_report, client, auth, make_user):
    mine, theirs = file_report("楼道堆物"), file_report("河边堆物", at=INSIDE_S2)
    cleaner_s1 = make_user("cleaner", ["S1"])
    assert client.get("/api/v1/queue", headers=auth(cleaner_s1)).status_code == 200
    assert stored(mine.id) is not None
    assert stored(theirs.id) is None


def test_floods_count_only_earlier_reports_whenever_sorted(deferred, file_report):
    phone = "13900001111"
    with frozen_at(T0) as clock:
        ids = []
        for i in range(7):
            ids.append(file_report(f"第{i}次反映：楼下停车场噪音", reporter_phone=phone).id)
            clock.advance(timedelta(minutes=1))
        assert presort_waiting() == 7
    assert stored(ids[0]).junk_score == 0  # sorted after the other six, still the first
    assert stored(ids[6]).junk_reasons == ["同一号码24小时内已提交6条"]


def test_two_presorters_at_once_store_one_suggestion_each(app, deferred, file_report):
    ids = [file_report(f"{i}号楼楼道堆放杂物").id for i in range(30)]

    def presort(_client) -> int:
        count = presort_waiting(limit=10)
        db.session.commit()
        return count

    # Several rounds each, as `--every` would: between them every report is sorted once.
    done = 0
    for _ in range(5):
        done += sum(parallel(app, [presort, presort]))
    assert done == len(ids)
    counts = db.session.execute(
        select(ReportSuggestion.report_id, func.count())
        .where(ReportSuggestion.report_id.in_(ids))
        .group_by(ReportSuggestion.report_id)
    ).all()
    assert sorted(counts) == [(i, 1) for i in sorted(ids)]


def test_the_loop_survives_a_failed_round_and_commits_the_next(app, areas):
    rounds: list[str] = []

    def step() -> Round:
        rounds.append("round")
        if len(rounds) == 1:
            raise RuntimeError("the database went away")
        if len(rounds) == 3:
            raise KeyboardInterrupt  # how an operator stops it
        create_report(NewReport("循环测试：楼道灯坏了", "hotline_12345"))
        return Round("one", changed=True)

    with pytest.raises(KeyboardInterrupt):
        repeat("test", step, every=0.01)
    assert len(rounds) == 3
    db.session.rollback()
    kept = select(Report.id).where(Report.description == "循环测试：楼道灯坏了")
    assert db.session.scalar(kept) is not None


def test_a_single_run_lets_the_error_out(app, areas):
    def step() -> Round:
        raise RuntimeError("bad rule")

    with pytest.raises(RuntimeError):
        repeat("test", step, every=0)


@pytest.mark.dialects("postgresql")
@pytest.mark.commits
def test_a_claim_is_not_empty_while_the_pre_sorter_holds_the_queue(
    app, deferred, file_report, cleaner
):
    """Issue 19: the pre-sorter (or another tab's read) sorting the queue used to lock its
    reports FOR UPDATE, and a claim, which skips locked rows, came back empty with a full
    queue. Now the pre-sorter holds advisory locks and KEY SHARE only: claims take the
    reports, and a second pre-sorter still takes other reports than the first."""
    import threading

    from app.accounts.models import User
    from app.triage.claims import claim_next
    from app.triage.presort import waiting

    ids = [file_report(f"{i}号楼楼道灯坏了").id for i in range(6)]
    user_id = cleaner.id
    db.session.commit()
    held, done = threading.Event(), threading.Event()
    taken_by_sorter: list[int] = []
    errors: list[BaseException] = []

    def sorter() -> None:
        try:
            with app.app_context():
                try:
                    taken_by_sorter.extend(r.id for r in db.session.scalars(waiting(None, 3)))
                    held.set()
                    done.wait(timeout=60)
                finally:
                    db.session.rollback()
                    db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)
            held.set()

    thread = threading.Thread(target=sorter)
    thread.start()
    try:
        assert held.wait(timeout=60)
        assert sorted(taken_by_sorter) == ids[:3]
        with app.app_context():
            try:
                # A second pre-sorter takes the other three, not the ones being sorted.
                second = [r.id for r in db.session.scalars(waiting(None, 6))]
                assert sorted(second) == ids[3:]
                db.session.rollback()
                claimed = [r.id for r in claim_next(db.session.get(User, user_id), 6)]
                db.session.commit()
            finally:
                db.session.remove()
    finally:
        done.set()
        thread.join(timeout=60)
    assert errors == []
    assert sorted(claimed) == ids
