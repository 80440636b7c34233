"""The paperwork as PDF: Chinese text a machine can read back, for staff who see the case only."""

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.clock import now
from app.extensions import db
from app.reports.intake import NewParty, NewReport, create_report
from tests.geometry import INSIDE_G1
from tests.mediation.test_sessions import session
from tests.workflow.conftest import reload

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TERMS = "张三于2026年12月15日前拆除越界围墙；李四放弃其他赔偿请求"
PERFORMANCE = "张三自行拆除，村委会于12月16日现场验收"

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")


def text_of(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def agreed_case(staff, act, client, auth):
    report = create_report(
        NewReport(
            "两户因宅基地围墙越界发生纠纷",
            "walk_in",
            *INSIDE_G1,
            parties=[
                NewParty("张三", "申请人", "13812345678"),
                NewParty("李四", "被申请人", "13987654321"),
            ],
        ),
        staff.grid_worker,
    ).report
    db.session.commit()
    dispatched = client.post(
        f"/api/v1/reports/{report.id}/triage", headers=auth(staff.cleaner),
        json={"action": "dispatch", "category_code": "neighbour.noise", "risk_level": "medium",
              "unit_code": "unit-C1", "reason": "村民小组先行调解"},
    )  # fmt: skip
    assert dispatched.status_code == 200, dispatched.json
    assert act(staff.community, report, "accept").status_code == 200
    first = act(
        staff.community,
        report,
        "sessions",
        json=session("no_agreement", at=now() - timedelta(hours=2)),
    )
    agreed = act(staff.community, report, "sessions",
                 json=session("agreement", at=now() - timedelta(hours=1), terms=TERMS,
                              performance=PERFORMANCE))  # fmt: skip
    assert first.status_code == agreed.status_code == 201
    return reload(report), first.json, agreed.json


def test_the_agreement_names_the_parties_terms_and_signature_lines(
    staff, act, client, auth, tmp_path
):
    report, _, _ = agreed_case(staff, act, client, auth)
    response = client.get(
        f"/api/v1/reports/{report.id}/documents/agreement.pdf", headers=auth(staff.community)
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = text_of(response.data, tmp_path, "agreement.pdf")
    assert "人民调解协议书" in text
    assert "申请人：张三" in text and "被申请人：李四" in text
    # A responder does not need the parties' numbers: masked as everywhere else.
    assert "138****5678" in text and "13812345678" not in text
    assert "越界围墙" in text and "现场验收" in text
    for who in ("当事人 张三（签名）", "当事人 李四（签名）", "人民调解员 王调解员（签名）"):
        assert who in text
    assert "一号社区调委会（盖章）" in text
    # A page of it, for the README.
    ARTIFACTS.mkdir(exist_ok=True)
    (tmp_path / "page").parent.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(tmp_path / "agreement.pdf"),
            str(ARTIFACTS / "agreement"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "agreement.png").stat().st_size > 10_000


def test_the_minutes_of_a_session_and_the_referral_package(staff, act, client, auth, tmp_path):
    report, first, _ = agreed_case(staff, act, client, auth)
    minutes = client.get(
        f"/api/v1/reports/{report.id}/documents/minutes/{first['id']}.pdf",
        headers=auth(staff.supervisor),
    )
    assert minutes.status_code == 200
    text = text_of(minutes.data, tmp_path, "minutes.pdf")
    assert "调解笔录" in text and "张三、李四" in text and "未达成" in text
    assert "调解员 李律师（法律顾问）（签名）" in text and "记录人（签名）" in text
    referral = client.get(
        f"/api/v1/reports/{report.id}/documents/referral.pdf", headers=auth(staff.cleaner)
    )
    assert referral.status_code == 200
    text = text_of(referral.data, tmp_path, "referral.pdf")
    assert "司法确认申请材料" in text and "分流交办" in text and "调解：达成协议" in text
    assert "人民调解协议书" in text and "越界围墙" in text
    # The cleaner's role rings parties: their numbers in full.
    assert "13812345678" in text


def test_only_staff_who_see_the_case_get_its_papers(staff, act, client, auth, dispatched):
    report, first, _ = agreed_case(staff, act, client, auth)
    base = f"/api/v1/reports/{report.id}/documents"
    assert (
        client.get(f"{base}/agreement.pdf", headers=auth(staff.other_subdistrict)).status_code
        == 403
    )
    assert client.get(f"{base}/agreement.pdf").status_code == 401
    assert (
        client.get(
            f"{base}/minutes/{first['id'] + 99}.pdf", headers=auth(staff.community)
        ).status_code
        == 404
    )
    # No agreement on record: nothing to print.
    other = dispatched(unit="unit-C1")
    act(staff.community, other, "accept")
    response = client.get(
        f"/api/v1/reports/{other.id}/documents/agreement.pdf", headers=auth(staff.community)
    )
    assert response.status_code == 409
