"""Suggestions computed at intake: duplicates, category, risk, junk, routing; and re-grading."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.clock import frozen_at
from app.extensions import db
from app.lifecycle.engine import take_step
from app.reports.models import Report
from app.triage.meaning import stored, terms
from app.triage.models import ReportSuggestion, TriageRule
from app.triage.seed import RISK_KEYWORDS, seed_rules
from tests.helpers.geometry import FAR_EAST, INSIDE_S2
from tests.helpers.labelled import generate, true_pairs

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
CRITICAL_WORDS = dict(RISK_KEYWORDS)["critical"]


def suggestion(report: Report) -> ReportSuggestion:
    return db.session.get(ReportSuggestion, report.id)


def test_the_labelled_set_finds_duplicates_with_precision_and_recall_above_0_8(file_report):
    items = generate()
    assert len(items) >= 200
    assert {i.kind for i in items} == {"cluster", "weeks_apart", "far_away"}
    ids: dict[int, int] = {}
    for item in items:
        with frozen_at(item.at):
            report = file_report(
                item.description,
                at=(item.lon, item.lat),
                category_code=item.category_code,
                channel=item.channel,
            )
        ids[report.id] = item.key
    predicted = set()
    for row in db.session.scalars(select(ReportSuggestion)):
        for candidate in row.duplicates:
            predicted.add((ids[row.report_id], ids[candidate["report_id"]]))
    truth = true_pairs(items)
    hits = len(predicted & truth)
    precision, recall = hits / len(predicted), hits / len(truth)
    print(f"duplicates: precision {precision:.3f}, recall {recall:.3f}, {len(truth)} true pairs")
    assert precision >= 0.8 and recall >= 0.8
    by_key = {i.key: i for i in items}
    # Words copied kilometres away and the same matter weeks earlier are never offered for
    # the reports they imitate (the radius and the window keep them out).
    imitations = [(a, b) for a, b in predicted if by_key[a].group.startswith(by_key[b].group)]
    imitations += [(a, b) for a, b in predicted if by_key[b].group.startswith(by_key[a].group)]
    assert [(a, b) for a, b in imitations if by_key[a].group != by_key[b].group] == []


def test_every_critical_keyword_lifts_a_report_to_the_top_of_the_queue(
    file_report, client, auth, cleaner
):
    ordinary = [
        "楼上装修噪音太大", "小区门口有人打架", "工地欠薪三个月，20多人讨薪", "楼道电动车充电",
        "物业乱收费", "楼上漏水", "垃圾没人清运", "广场舞扰民",
    ]  # fmt: skip
    with frozen_at(T0) as clock:
        for text in ordinary:
            file_report(text)
            clock.advance(timedelta(minutes=5))
        critical = {file_report(f"小区门口有人{word}，请赶快来人").id for word in CRITICAL_WORDS}
    response = client.get("/api/v1/queue?limit=100", headers=auth(cleaner))
    assert response.status_code == 200
    items = response.json["items"]
    assert len(items) == len(ordinary) + len(CRITICAL_WORDS)
    top = items[: len(CRITICAL_WORDS)]
    assert {i["report"]["id"] for i in top} == critical
    assert {i["suggestions"]["risk_level"] for i in top} == {"critical"}
    ranks = ["low", "medium", "high", "critical"]
    levels = [ranks.index(i["suggestions"]["risk_level"]) for i in items]
    assert levels == sorted(levels, reverse=True)
    # Within one level, the oldest waits least.
    rest = [i for i in items[len(CRITICAL_WORDS) :] if i["suggestions"]["risk_level"] == "low"]
    assert [i["report"]["created_at"] for i in rest] == sorted(
        i["report"]["created_at"] for i in rest
    )


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("邻居家有人持刀威胁", "critical"),
        ("工地欠薪，工人要去讨薪", "high"),
        ("十几户业主的车位被占", "high"),
        ("老板欠了我三十万", "high"),
        ("欠了5万元货款", "medium"),
        ("三户人家为排水沟吵了起来", "medium"),
        ("楼道灯坏了", "low"),
    ],
)
def test_risk_from_words_and_from_people_and_sums(file_report, text, level):
    assert suggestion(file_report(text)).suggested_risk == level


def test_category_reasons_and_junk(file_report):
    leak = suggestion(file_report("楼上卫生间漏水，我家天花板渗水"))
    assert leak.suggested_category_code == "neighbour.water_leak"
    assert any("「漏水」" in reason for reason in leak.category_reasons) and leak.junk_score == 0
    assert suggestion(file_report("啊啊啊啊啊啊啊")).junk_reasons == ["大量重复字符"]
    assert suggestion(file_report("！！！")).junk_score >= 0.8
    assert suggestion(file_report("测试")).junk_score >= 0.5
    short = suggestion(file_report("有事"))
    assert short.suggested_category_code is None and short.junk_reasons == ["内容过短（2字）"]


def test_one_phone_flooding_is_flagged(file_report):
    phone = "13900001111"
    rows = [
        suggestion(file_report(f"第{i}次反映：楼下停车场噪音", reporter_phone=phone))
        for i in range(7)
    ]
    assert rows[4].junk_score == 0
    assert rows[6].junk_reasons == ["同一号码24小时内已提交6条"]


def test_routing_says_outside_coverage(file_report, client, auth, cleaner):
    inside, outside = file_report("楼道堆物", at=INSIDE_S2), file_report("河边堆物", at=FAR_EAST)
    items = {
        i["report"]["id"]: i["suggestions"]["routing"]
        for i in client.get("/api/v1/queue", headers=auth(cleaner)).json["items"]
    }
    assert items[inside.id]["unit_code"] == "unit-S2" and items[inside.id]["note"] is None
    assert items[inside.id]["subdistrict_name"] == "二号街道"
    assert items[outside.id]["in_coverage"] is False and items[outside.id]["unit_code"] is None
    assert "指定处置单位" in items[outside.id]["note"]


def test_duplicates_are_shown_as_they_stand_now(file_report, client, auth, cleaner):
    first = file_report("阳光花园3栋楼上卫生间漏水，天花板全湿了")
    second = file_report("阳光花园3栋楼上漏水渗到我家，墙皮都泡掉了")
    third = file_report("阳光花园3栋楼上住户家里漏水，我家天花板在滴水")
    assert [d["report_id"] for d in suggestion(third).duplicates] == [second.id, first.id] or [
        d["report_id"] for d in suggestion(third).duplicates
    ] == [first.id, second.id]
    headers = auth(cleaner)
    merged = client.post(
        f"/api/v1/reports/{second.id}/triage",
        json={"action": "merge", "duplicate_of": first.id},
        headers=headers,
    )
    assert merged.status_code == 200
    item = next(
        i
        for i in client.get("/api/v1/queue", headers=headers).json["items"]
        if i["report"]["id"] == third.id
    )
    # The merged candidate now stands for its survivor, which is listed once.
    assert [d["report_id"] for d in item["suggestions"]["duplicates"]] == [first.id]
    assert item["suggestions"]["duplicates"][0]["tracking_no"] == first.tracking_no


def _shared_words(row: ReportSuggestion, report: Report) -> str | None:
    """What `row` says `report` shares with it in words; None when it is not offered."""
    offered = next((d for d in row.duplicates if d["report_id"] == report.id), None)
    if offered is None:
        return None
    return next((r for r in offered["reasons"] if r.startswith("内容相近")), "")


def test_a_neighbours_reading_stored_again_is_never_served_from_the_cache(file_report):
    """Readings are kept per process by their stored text: one stored anew (its text
    corrected and sorted again) is read anew, even right after the old one was kept."""
    first = file_report("阳光花园3栋楼上卫生间漏水，天花板全湿了")
    second = file_report("阳光花园3栋楼上漏水，我家天花板在滴水")
    assert "漏水" in _shared_words(suggestion(second), first)  # first's reading, now kept
    first.description = "小区广场舞音响太吵，半夜还在跳"
    suggestion(first).reading = stored(terms(first.description))
    db.session.commit()
    third = suggestion(file_report("阳光花园3栋楼上漏水，我家天花板在滴水"))
    assert "漏水" in _shared_words(third, second)
    # first's new reading shares no words with a leak.
    assert _shared_words(third, first) in (None, "")


def test_a_report_back_in_the_queue_is_graded_again(file_report, client, auth, cleaner):
    report = file_report("邻居家吵架")
    assert suggestion(report).suggested_risk == "medium"
    headers = auth(cleaner)
    asked = client.post(
        f"/api/v1/reports/{report.id}/triage",
        json={"action": "need_info", "reason": "请问具体在哪一栋？"},
        headers=headers,
    )
    assert asked.status_code == 200
    # What the reporter's answer does (issue #3): add_info, the new words, back in the queue.
    with frozen_at(datetime.now(UTC) + timedelta(minutes=1)):
        report = db.session.get(Report, report.id)
        take_step(report, "add_info", None, as_role="reporter", public=True)
        report.description += "。补充：5栋，对方拿着刀，扬言要同归于尽"
        report.queued_at = datetime.now(UTC) + timedelta(minutes=1)
        db.session.commit()
    item = client.get("/api/v1/queue", headers=headers).json["items"][0]
    assert item["report"]["id"] == report.id
    assert item["suggestions"]["risk_level"] == "critical"
    db.session.expire_all()
    assert suggestion(report).suggested_risk == "critical"


def test_seeding_rules_twice_adds_nothing(app):
    count = db.session.scalar(select(db.func.count(TriageRule.id)))
    assert count > 100
    assert seed_rules() == 0


def test_a_broken_rule_never_costs_a_report_and_the_queue_still_answers(
    file_report, client, auth, cleaner
):
    # A rule written straight into the table, past the API's check (an old import, say).
    db.session.add(TriageRule(kind="risk", match="regex", pattern="(unclosed", target="high"))
    db.session.commit()
    report = file_report("楼上装修噪音太大")
    assert db.session.get(Report, report.id).status == "received"
    assert suggestion(report) is None
    response = client.get("/api/v1/queue", headers=auth(cleaner))
    assert response.status_code == 200
    item = response.json["items"][0]
    assert item["report"]["id"] == report.id
    assert item["suggestions"]["risk_reasons"] == ["自动建议暂不可用，请人工判断"]


def test_the_same_text_again_and_again_in_a_day_is_flagged(file_report):
    text = "楼下烧烤店油烟太大，熏得开不了窗"
    with frozen_at(T0) as clock:
        rows = []
        for _ in range(4):
            rows.append(suggestion(file_report(text)))
            clock.advance(timedelta(hours=2))
        other = suggestion(file_report("楼下烧烤店油烟太大，熏得开不了窗户"))
        clock.advance(timedelta(hours=25))
        next_day = suggestion(file_report(text))
    assert [r.junk_reasons for r in rows[:3]] == [[], [], []]
    assert rows[3].junk_reasons == ["相同内容24小时内已出现3次"]
    assert other.junk_reasons == []  # one character more is another text
    # 25 hours after the last of them: all four are outside the day looked back on.
    assert next_day.junk_reasons == []


def test_the_same_text_is_counted_across_midnight(file_report):
    """Keys start with the report's UTC day; a day's window spans two days' keys."""
    text = "楼上每天半夜拖椅子，吵得睡不着"
    with frozen_at(datetime(2026, 6, 30, 23, 40, tzinfo=UTC)) as clock:
        for _ in range(3):
            file_report(text)
            clock.advance(timedelta(minutes=10))
        clock.advance(timedelta(minutes=20))  # 00:30 the next day
        after_midnight = suggestion(file_report(text))
    assert after_midnight.text_key[:6] == "260701"
    assert after_midnight.junk_reasons == ["相同内容24小时内已出现3次"]


def test_texts_that_share_a_key_are_still_compared(file_report, monkeypatch):
    """The key only finds the day's candidates by index; equal keys of different texts (a hash
    can collide) must not count as the same text."""
    from app.triage import suggestions

    monkeypatch.setattr(suggestions, "keyed_on_day", lambda description, day: "0" * 32)
    with frozen_at(T0) as clock:
        for i in range(4):
            file_report(f"第{i}栋楼道灯坏了，晚上看不见路")
            clock.advance(timedelta(minutes=10))
        last = suggestion(file_report("第9栋楼道灯坏了，晚上看不见路"))
        repeated = [suggestion(file_report("第0栋楼道灯坏了，晚上看不见路")) for _ in range(3)]
    assert last.junk_reasons == []
    assert repeated[-1].junk_reasons == ["相同内容24小时内已出现3次"]


def test_a_phone_counts_its_last_day_only(file_report):
    phone = "13900002222"
    with frozen_at(T0) as clock:
        for i in range(6):
            file_report(f"第{i}次反映：小区路灯不亮", reporter_phone=phone)
        clock.advance(timedelta(hours=24, minutes=1))
        later = suggestion(file_report("又来反映：小区路灯不亮", reporter_phone=phone))
        clock.advance(timedelta(minutes=1))
        for i in range(4):
            file_report(f"第{i}次追问：小区路灯不亮", reporter_phone=phone)
        fifth = suggestion(file_report("第五次追问：小区路灯不亮", reporter_phone=phone))
    assert later.junk_reasons == []
    assert fifth.junk_reasons == ["同一号码24小时内已提交5条"]


def test_migration_0029_keys_the_last_two_days_texts(file_report):
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text

    path = Path(__file__).parents[2] / "migrations/versions/0029_flood_keys.py"
    spec = importlib.util.spec_from_file_location("m0029", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with frozen_at(datetime.now(UTC) - timedelta(days=3)):
        old = file_report("三天前：垃圾桶满了没人收")
    new = file_report("今天：垃圾桶满了没人收")
    # As stored before 0029: no keys.
    db.session.execute(text("UPDATE report_suggestions SET text_key = NULL"))
    db.session.commit()
    assert migration.backfill(db.session.connection()) == 1
    db.session.commit()
    db.session.expire_all()
    # 0029's keys were the bare hash (0032 puts the day first: the test after this one).
    assert suggestion(new).text_key == migration._text_key("今天：垃圾桶满了没人收")
    assert suggestion(old).text_key is None


def test_migration_0032_keys_the_last_two_days_texts_by_day(file_report):
    """Day-first keys for the last two days, as intake now writes them; the flood check finds
    a text stored just before the upgrade."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text

    from app.triage.suggestions import text_key

    path = Path(__file__).parents[2] / "migrations/versions/0032_flat_indexes.py"
    spec = importlib.util.spec_from_file_location("m0032", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    words = "今天：楼道里堆满杂物没人管"
    with frozen_at(datetime.now(UTC) - timedelta(days=3)):
        old = file_report("三天前：" + words)
    new = [file_report(words) for _ in range(3)]
    # As 0029 stored them: the bare hash.
    db.session.execute(text("UPDATE report_suggestions SET text_key = :k"), {"k": "f" * 32})
    db.session.commit()
    assert migration.rekey(db.session.connection()) == 3
    db.session.commit()
    db.session.expire_all()
    report = db.session.get(Report, new[0].id)
    assert suggestion(new[0]).text_key == text_key(words, report.created_at)
    assert suggestion(old).text_key == "f" * 32
    assert migration._text_key(words, report.created_at) == text_key(words, report.created_at)
    # The check finds the three stored before the upgrade by their new keys.
    assert suggestion(file_report(words)).junk_reasons == ["相同内容24小时内已出现3次"]


def test_a_flood_count_stops_at_its_cap(file_report, monkeypatch):
    """One sender's count reads at most the cap's rows of the day, and says so."""
    from app.triage import suggestions

    monkeypatch.setattr(suggestions, "FLOOD_COUNT_CAP", 6)
    phone = "13900003333"
    with frozen_at(T0) as clock:
        rows = []
        for i in range(9):
            rows.append(suggestion(file_report(f"第{i}次反映：小区水压低", reporter_phone=phone)))
            clock.advance(timedelta(minutes=3))
    assert rows[5].junk_reasons == ["同一号码24小时内已提交5条"]
    assert rows[6].junk_reasons == ["同一号码24小时内已提交6条以上"]
    assert rows[8].junk_reasons == ["同一号码24小时内已提交6条以上"]


def test_only_the_newest_candidates_within_the_cap_are_scored(app, file_report, monkeypatch):
    """A flooded place: the window's newest DUPLICATE_MAX_CANDIDATES are scored, older ones
    are not read at all (so the cost of one report stays bounded however many are there)."""
    text = "阳光花园3栋楼上卫生间漏水，天花板全湿了"
    with frozen_at(T0) as clock:
        earlier = []
        for _ in range(4):
            earlier.append(file_report(text))
            clock.advance(timedelta(minutes=5))
        monkeypatch.setitem(app.config, "DUPLICATE_MAX_CANDIDATES", 2)
        capped = suggestion(file_report(text))
        monkeypatch.setitem(app.config, "DUPLICATE_MAX_CANDIDATES", 200)
        uncapped = suggestion(file_report(text))
    assert {d["report_id"] for d in capped.duplicates} == {earlier[3].id, earlier[2].id}
    assert len(uncapped.duplicates) > 2
