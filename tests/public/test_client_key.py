"""The "one address flooding" junk rule has its input: public intake keeps a keyed hash of the
sender's address (never the address itself), and the rule counts it (issue #12)."""

from app.extensions import db
from app.reports.models import Report
from app.triage import suggestions
from app.triage.models import ReportSuggestion


def _file(client, code, text, address):
    body = {"site_code": code, "description": text}
    response = client.post(
        "/api/v1/public/reports", json=body, environ_base={"REMOTE_ADDR": address}
    )
    assert response.status_code == 201, response.json
    return db.session.query(Report).filter_by(tracking_no=response.json["tracking_no"]).one()


def test_one_sender_flooding_is_flagged(client, code, monkeypatch):
    monkeypatch.setattr(suggestions, "CLIENT_FLOOD_AT", 2)
    first = _file(client, code, "楼下烧烤油烟很大", "203.0.113.7")
    second = _file(client, code, "小区门口乱停车", "203.0.113.7")
    other = _file(client, code, "路灯坏了好几天", "198.51.100.9")
    third = _file(client, code, "垃圾桶满了没人清", "203.0.113.7")
    keys = [db.session.get(ReportSuggestion, r.id).client_key for r in (first, second, other)]
    assert keys[0] and keys[0] == keys[1] != keys[2]
    created = first.events[0]
    assert "203.0.113.7" not in str(created.payload)
    flagged = db.session.get(ReportSuggestion, third.id)
    assert "同一来源24小时内已提交2条" in flagged.junk_reasons
