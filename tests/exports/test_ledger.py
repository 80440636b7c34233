"""The ledger: headers, rows in Chinese and Shanghai time, filters, masking, spreadsheet safety."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from app.exports.ledger import HEADERS, ledger_rows
from app.stats.filters import ReportFilter
from tests.helpers.cases import T0, add_case, overview_cases
from tests.helpers.geometry import INSIDE_G1

CSV, XLSX = "/api/v1/exports/ledger.csv", "/api/v1/exports/ledger.xlsx"


@pytest.fixture
def cases(areas):
    return overview_cases()


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.data[:500]
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese right
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_csv_headers_and_a_row_in_chinese(client, cases, admin_headers):
    response = client.get(CSV, headers=admin_headers)
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert tuple(rows[0]) == HEADERS
    assert rows[0][:13] == [
        "编号", "受理时间", "渠道", "类别", "风险等级", "事发地点", "所属街道/镇", "承办单位",
        "状态", "办结时间", "处理结果", "是否按时", "满意度",
    ]  # fmt: skip
    body = rows[1:]
    assert [r[0] for r in body] == [cases[k].tracking_no for k in "ABCDEF"]
    assert body[0] == [
        cases["A"].tracking_no, "2026-03-02 09:00", "扫码上报", "物业收费", "一般",
        "一号街道一号社区一号网格（105.32000, 28.72000）", "一号街道", "一号街道综治中心",
        "已结案", "2026-03-04 09:00", "调解成功", "是", "满意", "13812345678", "邻居装修噪音",
        "0", "",  # no mediation session on record, not handled jointly
    ]  # fmt: skip
    on_time = {r[0]: r[11] for r in body}
    assert [on_time[cases[k].tracking_no] for k in "BCF"] == ["否", "无时限", ""]
    assert body[3][8:13] == ["处置中", "", "", "已超期", ""]  # D: due a day after, long past
    assert body[5][5:8] == ["区域外（105.52048, 28.77000）", "", ""]


def test_xlsx_opens_with_openpyxl(client, cases, make_user, auth):
    response = client.get(XLSX, headers=auth(make_user("supervisor", ["D"])))
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["台账", "说明"]
    sheet = workbook["台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == HEADERS and len(rows) == 7
    first = rows[1]
    assert first[1] == datetime(2026, 3, 2, 9, 0)  # a real date cell, Shanghai wall clock
    assert first[2:5] == ("扫码上报", "物业收费", "一般")
    assert first[9] == datetime(2026, 3, 4, 9, 0) and first[10:13] == ("调解成功", "是", "满意")
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm"
    about = dict(workbook["说明"].iter_rows(values_only=True))
    assert about["行数"] == "6" and about["联系电话"] == "完整"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "closed,archived"}, "AC"),
        ({"channel": "qr_scan"}, "AE"),
        ({"category_code": "property_mgmt"}, "ACE"),  # with its sub-categories
        ({"area_code": "S2"}, "E"),
        ({"since": "2026-03-02T10:00:00+08:00", "until": "2026-03-03"}, "BCD"),
    ],
)
def test_filters_as_in_the_report_list(client, cases, admin_headers, query, expected):
    rows = csv_rows(client.get(CSV, query_string=query, headers=admin_headers))
    assert [r[0] for r in rows[1:]] == [cases[k].tracking_no for k in expected]


def test_scope_and_roles(client, cases, make_user, auth):
    s2_cleaner = auth(make_user("cleaner", ["S2"]))
    rows = csv_rows(client.get(CSV, headers=s2_cleaner))
    # F, outside every area, is the district desk's, not a sub-district's (issue #12).
    assert [r[0] for r in rows[1:]] == [cases["E"].tracking_no]
    responder = auth(make_user("responder", ["S1"], unit="unit-S1"))
    assert client.get(CSV, headers=responder).status_code == 403
    assert client.get(XLSX).status_code == 401
    bad = client.get(CSV, query_string={"status": "closed,lost"}, headers=s2_cleaner)
    assert bad.status_code == 422 and "status" in bad.json["errors"]["query"]


def test_phone_is_masked_for_roles_that_do_not_ring_back(app, cases, make_user):
    responder = make_user("responder", ["S1"], unit="unit-S1")
    rows = list(ledger_rows(responder, ReportFilter()))
    assert [r[13] for r in rows if r[0] == cases["A"].tracking_no] == ["138****5678"]


def test_public_text_never_becomes_a_formula(client, areas, admin_headers):
    formula = '=HYPERLINK("http://evil.example","点我")'
    add_case(INSIDE_G1, T0, description=formula)
    add_case(INSIDE_G1, T0, description="-1+2 控制字符\x07也不会坏")
    rows = csv_rows(client.get(CSV, headers=admin_headers))
    assert [r[14] for r in rows[1:]] == ["'" + formula, "'-1+2 控制字符也不会坏"]
    sheet = load_workbook(io.BytesIO(client.get(XLSX, headers=admin_headers).data))["台账"]
    assert sheet["O2"].value == formula and sheet["O2"].data_type == "s"
