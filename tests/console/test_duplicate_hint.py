"""The resident is asked before filing the same matter twice, on the form's first submit."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.public.duplicate_hint import FOLLOWED, public_summary, residents_following
from app.reports.models import Report, ReportEvent
from tests.console.test_pages import scan_report
from tests.helpers.forms import with_csrf

FIRST = "幸福里3号楼楼道堆满纸箱，堵住了消防通道，很危险"
SAME = "幸福里3号楼楼道堆满了纸箱，消防通道被堵住了，很危险"


def submit(client, code, text, **fields):
    data = {"description": text, **fields}
    return client.post(
        f"/s/{code}", data=with_csrf(client, data), content_type="multipart/form-data"
    )


def reports() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Report.id)))


def test_the_first_submit_asks_and_following_counts_on_the_case(client, code, areas):
    first = scan_report(client, code, FIRST)
    asked = submit(client, code, SAME, contact_phone="13900139000")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "这里已经有人反映过相似的问题" in page
    assert "这是同一件事，关注进度" in page and "不是，继续提交" in page
    # What was typed is kept; nothing is stored until the resident decides.
    assert SAME in page and "13900139000" in page and reports() == 1
    # The other report's reporter stays private.
    assert "13800138000" not in page and first.tracking_no not in page
    token = re.search(r'name="follow_token" value="([^"]+)"', page).group(1)
    followed = submit(client, code, SAME, duplicate_choice="follow", follow_token=token)
    assert followed.status_code == 303 and "/f/" in followed.location
    progress = client.get(followed.location).get_data(as_text=True)
    assert "关注办理进度" in progress and "共 2 位居民反映" in progress
    assert "13800138000" not in progress and reports() == 1
    assert residents_following([first.id]) == {first.id: 1}
    assert (
        db.session.scalar(select(func.count(ReportEvent.id)).where(ReportEvent.action == FOLLOWED))
        == 1
    )
    # 不是，继续提交 files it after all.
    filed = submit(client, code, SAME, duplicate_choice="new")
    assert filed.status_code == 303 and "/t/" in filed.location and reports() == 2


def test_unrelated_text_is_filed_at_once_and_forged_links_are_refused(client, code, areas):
    scan_report(client, code, FIRST)
    assert submit(client, code, "广场舞音乐太吵，晚上十点还在放").status_code == 303
    assert reports() == 2
    assert client.get("/f/forged-token").status_code == 404
    bad = submit(client, code, SAME, duplicate_choice="follow", follow_token="forged")
    assert bad.status_code == 404 and reports() == 2


def test_the_page_script_asks_while_the_resident_types(client, code, areas):
    scan_report(client, code, FIRST)
    hint = client.get(f"/s/{code}/similar", query_string={"description": SAME})
    assert hint.status_code == 200 and "这是同一件事，关注进度" in hint.get_data(as_text=True)
    other = client.get(f"/s/{code}/similar", query_string={"description": "路灯坏了"})
    assert other.status_code == 204
    assert (
        client.get("/s/not-a-code/similar", query_string={"description": SAME}).status_code == 404
    )


def test_the_summary_hides_long_numbers():
    assert public_summary("张三电话13800138000欠款") == "张三电话……欠款"
    assert public_summary("字" * 50).endswith("……") and len(public_summary("字" * 50)) == 42


def test_a_failing_look_files_the_report_unasked(client, code, areas, monkeypatch):
    from app.public import duplicate_hint

    scan_report(client, code, FIRST)

    def broken(*args, **kwargs):
        raise RuntimeError("rule engine down")

    monkeypatch.setattr(duplicate_hint, "find_duplicates", broken)
    assert submit(client, code, SAME).status_code == 303 and reports() == 2
