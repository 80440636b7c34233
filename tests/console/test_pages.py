"""The console over plain form posts (no script): sign-in, every step of the loop, refusals."""

import io
import re

from sqlalchemy import select

from app.extensions import db
from app.reports.models import Report
from tests.console.conftest import post, sign_in
from tests.helpers.forms import with_csrf
from tests.public.helpers import photo


def scan_report(
    client, code: str, text: str = "3号楼楼道堆满纸箱，堵住了消防通道", **extra
) -> Report:
    data = {"description": text, "contact_phone": "13800138000", "duplicate_choice": "new", **extra}
    response = client.post(
        f"/s/{code}", data=with_csrf(client, data), content_type="multipart/form-data"
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    number = re.search(r"/t/([^?]+)", response.location).group(1)
    db.session.rollback()
    return db.session.scalars(select(Report).where(Report.tracking_no == number)).one()


def signed_in_client(app, username: str):
    client = app.test_client()
    assert sign_in(client, username).status_code == 303
    return client


def html(response) -> str:
    return response.get_data(as_text=True)


def test_one_sign_in_lands_each_role_on_its_page(app, client, staff):
    assert client.get("/console/queue").status_code == 302
    page = html(client.get("/console/login"))
    assert "用户名" in page and "密码" in page and "登录" in page
    assert sign_in(client, "qingxi", "wrong").status_code == 401
    landings = {
        "qingxi": "/console/queue",
        "chuzhi": "/console/cases",
        "duban": "/console/cases",
        "wangge": "/console/callbacks",
    }
    for username, landing in landings.items():
        user_client = signed_in_client(app, username)
        assert user_client.get("/console").location.endswith(landing)
    # The header: name, unit, scope, and the menu of the role.
    responder = signed_in_client(app, "chuzhi")
    header = html(responder.get("/console/cases"))
    assert "一号街道综治中心" in header and "一号街道" in header and "退出" in header
    assert "待分流" not in header and 'href="/console/callbacks"' not in header
    # The dashboard signs in here too, and a responder may not see it.
    assert "/console/login" in client.get("/dashboard").location
    assert responder.get("/dashboard").status_code == 403
    # Signing out needs the form's token; then the session is over.
    assert responder.post("/console/logout").status_code == 400
    assert post(responder, "/console/logout").status_code == 303
    assert responder.get("/console/cases").status_code == 302


def test_the_whole_loop_over_form_posts(app, client, code, staff):
    report = scan_report(client, code)
    duplicate = scan_report(client, code, "3号楼楼道里纸箱堆满了，消防通道被堵住")
    cleaner = signed_in_client(app, "qingxi")
    queue = html(cleaner.get("/console/queue"))
    assert report.tracking_no in queue and "一号街道 → 一号街道综治中心" in queue
    # 认领 takes the most urgent first; the claim shows with its expiry.
    claimed = post(cleaner, "/console/queue/claim", count="5")
    assert claimed.status_code == 303
    page = html(cleaner.get(f"/console/reports/{duplicate.id}"))
    assert "疑似重复" in page and report.tracking_no in page and ">合并<" in page
    merged = post(
        cleaner, f"/console/reports/{duplicate.id}/merge", duplicate_of=str(report.id),
        version=str(duplicate.version),
    )  # fmt: skip
    assert merged.status_code == 303 and merged.location.endswith(f"/console/reports/{report.id}")
    page = html(cleaner.get(merged.location))
    assert "已合并" in page and "2 位居民反映同一问题" in page
    assert ">签收<" not in page and ">派单<" in page
    dispatched = post(
        cleaner, f"/console/reports/{report.id}/dispatch", category_code="safety_hazard.fire",
        risk_level="medium", unit_code="unit-S1", reason="",
    )  # fmt: skip
    assert dispatched.status_code == 303 and dispatched.location.endswith("/console/queue")
    # The cleaner sees the case but none of the unit's buttons; the unit workbench is not theirs.
    page = html(cleaner.get(f"/console/reports/{report.id}"))
    assert "已派单" in page and ">签收<" not in page and ">办结<" not in page
    assert cleaner.get("/console/cases").status_code == 403

    other = signed_in_client(app, "chuzhi2")
    assert other.get(f"/console/reports/{report.id}").status_code == 403
    responder = signed_in_client(app, "chuzhi")
    bench = html(responder.get("/console/cases"))
    assert "待签收" in bench and report.tracking_no in bench and "新派给本单位" in bench
    assert post(responder, f"/console/reports/{report.id}/accept").status_code == 303
    progress = responder.post(
        f"/console/reports/{report.id}/progress",
        data={
            "csrf_token": re.search(
                r'name="csrf_token" value="([^"]+)"',
                html(responder.get(f"/console/reports/{report.id}")),
            ).group(1),
            "note": "已联系物业清理",
            "photos": (io.BytesIO(photo()), "现场.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert progress.status_code == 303
    page = html(responder.get(f"/console/reports/{report.id}"))
    assert "已联系物业清理" in page and "/photos/" in page and 'capture="environment"' in page
    photo_url = re.search(r'<img src="([^"]+)"', page).group(1)
    assert responder.get(photo_url).mimetype == "image/jpeg"
    assert other.get(photo_url).status_code == 403
    refused = post(responder, f"/console/reports/{report.id}/resolve", outcome="", note="")
    assert refused.status_code == 422 and "请选择处理结果" in html(refused)
    resolved = post(
        responder, f"/console/reports/{report.id}/resolve", outcome="mediated", note="已清理完毕"
    )
    assert resolved.status_code == 303

    grid = signed_in_client(app, "wangge")
    calls = html(grid.get("/console/callbacks"))
    assert report.tracking_no in calls and 'href="tel:13800138000"' in calls
    followed = post(
        grid, f"/console/reports/{report.id}/follow_up", satisfaction="satisfied", method="phone",
        next="/console/callbacks",
    )  # fmt: skip
    assert followed.status_code == 303 and followed.location.endswith("/console/callbacks")
    after = html(grid.get("/console/callbacks"))
    assert f"{report.tracking_no}：已回访" in after and f"cb-{report.id}" not in after

    supervisor = signed_in_client(app, "duban")
    found = html(supervisor.get("/console/cases", query_string={"q": report.tracking_no}))
    assert report.tracking_no in found
    noted = post(supervisor, f"/console/reports/{report.id}/supervise", note="请注意回访质量")
    assert noted.status_code == 303
    assert post(supervisor, f"/console/reports/{report.id}/close").status_code == 303
    assert post(supervisor, f"/console/reports/{report.id}/archive").status_code == 303
    page = html(supervisor.get(f"/console/reports/{report.id}"))
    assert "已归档" in page and "可执行的操作" not in page
    timeline = page[page.index('id="timeline"') :]
    for words in (
        "派单至 一号街道综治中心",
        "签收",
        "已联系物业清理",
        "回访（电话）：满意",
        "归档",
    ):
        assert words in timeline


def test_a_stale_form_says_who_acted_first(app, client, code, staff):
    report = scan_report(client, code)
    cleaner = signed_in_client(app, "qingxi")
    post(cleaner, "/console/queue/claim", count="1")
    responder = signed_in_client(app, "chuzhi")
    supervisor = signed_in_client(app, "duban")
    post(
        cleaner, f"/console/reports/{report.id}/dispatch", category_code="safety_hazard.fire",
        risk_level="low", unit_code="unit-S1",
    )  # fmt: skip
    assert post(responder, f"/console/reports/{report.id}/accept").status_code == 303
    again = post(responder, f"/console/reports/{report.id}/accept")
    # ... and 升级 sends the case up a tier, with its reason.
    up = post(
        responder, f"/console/reports/{report.id}/escalate", reason="涉及多个街道，需区级协调"
    )
    assert up.status_code == 303
    assert "升级至 测试区社会治理中心" in html(supervisor.get(f"/console/reports/{report.id}"))
    assert again.status_code == 409
    assert "已于" in html(again) and "签收" in html(again) and "刷新页面" in html(again)
    # Changing the suggested unit needs a reason, shown next to the field.
    second = scan_report(client, code, "小区门口有人持刀威胁保安")
    post(cleaner, "/console/queue/claim", count="1")
    moved = post(
        cleaner, f"/console/reports/{second.id}/dispatch", category_code="safety_hazard.fire",
        risk_level="critical", unit_code="unit-S2", reason="",
    )  # fmt: skip
    assert moved.status_code == 422 and "请填写原因" in html(moved)
    assert supervisor.get("/console/queue").status_code == 200


def test_the_queue_shows_reasons_routing_and_claims(app, client, code, staff, make_user):
    scan_report(client, code, "小区门口有人持刀威胁保安，情况紧急")
    make_user("cleaner", ["D"], username="qingxi2", display_name="清洗员小李")
    first = signed_in_client(app, "qingxi2")
    post(first, "/console/queue/claim", count="1")
    page = html(signed_in_client(app, "qingxi").get("/console/queue"))
    assert "紧急" in page and "持刀" in page and "扫码上报" in page
    assert "清洗员小李 处理中" in page
    free = html(signed_in_client(app, "qingxi").get("/console/queue?claimed=free"))
    assert "持刀" not in free
    scan_report(client, code, "楼上装修噪音很大，周末一早就开始")
    urgent = html(signed_in_client(app, "qingxi").get("/console/queue?risk=critical"))
    assert "持刀" in urgent and "装修噪音" not in urgent
    mine = html(first.get("/console/queue?claimed=mine"))
    assert ">释放<" in mine
    report_id = re.search(r'name="report_id" value="(\d+)"', mine).group(1)
    assert post(first, "/console/queue/release", report_id=report_id).status_code == 303
    assert "清洗员小李 处理中" not in html(first.get("/console/queue"))


def test_what_is_new_counts_since_i_last_looked(app, client, code, staff):
    report = scan_report(client, code)
    cleaner = signed_in_client(app, "qingxi")
    post(cleaner, "/console/queue/claim", count="1")
    post(
        cleaner, f"/console/reports/{report.id}/dispatch", category_code="safety_hazard.fire",
        risk_level="low", unit_code="unit-S1",
    )  # fmt: skip
    responder = signed_in_client(app, "chuzhi")
    first = html(responder.get("/console/cases"))
    assert "新派给本单位 <strong>1</strong> 件" in first and "新动态 1" in first
    # Looked at: the next visit has nothing new until something happens.
    assert "新动态" not in html(responder.get("/console/cases"))
    returned = post(responder, f"/console/reports/{report.id}/return", reason="不属于本单位辖区")
    assert returned.status_code == 303
    assert "退回待分流 <strong>1</strong> 件" in html(cleaner.get("/console/queue"))


def test_a_stale_form_token_is_refused_in_chinese(app, staff):
    client = signed_in_client(app, "qingxi")
    refused = client.post("/console/queue/claim", data={"count": "1", "csrf_token": "stale"})
    assert refused.status_code == 400 and "表单已过期" in html(refused)
