"""The admin foundation: admins only on every admin path, the nav, and the audit record + page."""

import re

import pytest
from sqlalchemy import select

from app.audit import record_change
from app.audit.models import AdminChange
from app.extensions import db
from tests.admin_console.conftest import post, sign_in
from tests.helpers.geometry import INSIDE_G1

OTHER_ROLES = ("cleaner", "responder", "grid_worker", "supervisor")


def admin_paths(app) -> list[tuple[str, str]]:
    """Every admin route as (method, a concrete path): path parameters get a plausible value."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console/admin") or rule.endpoint == "admin.static":
            continue
        path = re.sub(r"<(?:int:)?[a-z_]+>", "1", rule.rule)
        path = re.sub(r"<[a-z]+:[a-z_]+>", "1", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def test_every_admin_page_refuses_every_other_role(app, client, staff):
    paths = admin_paths(app)
    assert ("GET", "/console/admin/audit") in paths
    for role in OTHER_ROLES:
        assert sign_in(client, staff[role].username).status_code == 303
        for method, path in paths:
            answer = client.get(path) if method == "GET" else post(client, path)
            assert answer.status_code == 403, (role, method, path, answer.status_code)
            if method == "GET" and not path.endswith((".png", ".pdf")):
                assert "无权访问" in answer.get_data(as_text=True)
        client.post("/console/logout", data={"csrf_token": _token(client)})


def _token(client):
    from tests.admin_console.conftest import token_of

    return token_of(client, "/console/login")


def test_signed_out_goes_to_the_sign_in(client, app):
    answer = client.get("/console/admin/audit?kind=area")
    assert answer.status_code == 302
    assert "/console/login?next=/console/admin/audit" in answer.headers["Location"]


def test_admin_sees_the_nav_and_the_console_menu_links_to_it(admin_client):
    page = admin_client.get("/console/admin/audit").get_data(as_text=True)
    assert 'aria-label="系统管理"' in page
    assert ">操作记录</a>" in page
    assert re.search(r'href="/console/admin/?"[^>]*>系统管理<', page)  # the console's menu
    assert admin_client.get("/console/admin").status_code == 302


def test_record_change_keeps_no_secret_and_masks_phones(app, admin_user):
    change = record_change(
        "user.reset_password",
        "user",
        admin_user.id,
        "管理员老李",
        before={"password_hash": "old-hash", "phone": "13812345678", "active": True},
        after={"password_hash": "new-hash", "phone": "13912345678", "active": True},
        actor=admin_user,
    )
    db.session.commit()
    stored = db.session.get(AdminChange, change.id)
    assert stored.changes == {
        "password_hash": ["（已隐藏）", "（已隐藏）"],
        "phone": ["138****5678", "139****5678"],
    }  # an unchanged field is not kept
    assert "old-hash" not in str(stored.changes) and "13812345678" not in str(stored.changes)
    assert stored.actor_name == admin_user.username and stored.via == "cli"


def test_audit_page_lists_newest_first_and_filters_by_kind(admin_client, admin_user):
    record_change("unit.create", "unit", "u-1", "一号单位", after={"name": "一号单位"},
                  actor=admin_user)  # fmt: skip
    record_change("qr_site.rotate", "qr_site", 7, "幸福里", before={"rotation": 0},
                  after={"rotation": 1}, actor=admin_user)  # fmt: skip
    db.session.commit()
    page = admin_client.get("/console/admin/audit").get_data(as_text=True)
    assert page.index("更换二维码") < page.index("新建单位")
    assert "二维码版本</span>：0 → 1" in page
    only_units = admin_client.get("/console/admin/audit?kind=unit").get_data(as_text=True)
    assert "新建单位" in only_units and "更换二维码" not in only_units
    # An unknown kind is no filter, not an error.
    assert admin_client.get("/console/admin/audit?kind=nonsense").status_code == 200


def test_the_api_admin_writes_are_recorded(client, areas, admin_user, auth):
    headers = auth(admin_user)
    created = client.post(
        "/api/v1/qr-sites",
        json={"name": "幸福里3号楼", "location": {"lon": INSIDE_G1[0], "lat": INSIDE_G1[1]}},
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    site_id = created.get_json()["id"]
    assert client.post(f"/api/v1/qr-sites/{site_id}/rotate", headers=headers).status_code == 200
    rows = db.session.scalars(select(AdminChange).order_by(AdminChange.id)).all()
    assert [(r.kind, r.via, r.actor_user_id, r.target_id) for r in rows] == [
        ("qr_site.create", "api", admin_user.id, str(site_id)),
        ("qr_site.rotate", "api", admin_user.id, str(site_id)),
    ]
    assert rows[1].changes == {"rotation": [0, 1]}


@pytest.mark.parametrize("again", [False, True])
def test_an_areas_import_through_the_api_is_recorded_once(client, admin_user, auth, again):
    from tests.helpers.geometry import TEST_AREAS

    headers = auth(admin_user)
    for _ in range(2 if again else 1):
        assert (
            client.post("/api/v1/areas/import", json=TEST_AREAS, headers=headers).status_code == 200
        )
    rows = db.session.scalars(select(AdminChange)).all()
    assert len(rows) == 1  # the second, identical import changed nothing
    assert rows[0].kind == "area.import" and rows[0].changes["codes"][1][:2] == ["D", "S1"]


def test_the_command_line_imports_are_recorded_too(app, tmp_path):
    import json

    from tests.helpers.geometry import TEST_AREAS

    path = tmp_path / "district.geojson"
    path.write_text(json.dumps(TEST_AREAS))
    result = app.test_cli_runner().invoke(args=["areas", "import", str(path)])
    assert result.exit_code == 0, result.output
    [row] = db.session.scalars(select(AdminChange)).all()
    assert (row.kind, row.via, row.actor_user_id) == ("area.import", "cli", None)
