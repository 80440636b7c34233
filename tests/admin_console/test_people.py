"""Users and units on the admin screens: created and changed from lists, 停用, 重置密码 with a
one-time password that must be changed first (console and token API), every change recorded."""

import re

from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AdminChange
from app.extensions import db
from app.units.models import Unit
from tests.admin_console.conftest import post, sign_in

ONE_TIME = re.compile(r'id="one-time-password">([^<]+)<')


def html(response) -> str:
    return response.get_data(as_text=True)


def kinds() -> list[str]:
    return [c.kind for c in db.session.scalars(select(AdminChange).order_by(AdminChange.id))]


def test_a_unit_is_created_and_changed_with_its_area_from_a_list(admin_client, areas):
    page = html(admin_client.get("/console/admin/units/new"))
    assert 'value="S2"' in page and "二号街道（镇/街道）" in page  # areas offered, not typed
    refused = post(admin_client, "/console/admin/units/new", code="", name="", kind="x",
                   area_code="nowhere")  # fmt: skip
    assert refused.status_code == 422
    text = html(refused)
    assert "请填写编码" in text
    taken = post(admin_client, "/console/admin/units/new", code="unit-S1", name="重复",
                 kind="subdistrict", area_code="S1")  # fmt: skip
    assert taken.status_code == 422 and "不能与已有单位重复" in html(taken)
    made = post(admin_client, "/console/admin/units/new", code="unit-C1", name="一号社区调委会",
                kind="community", area_code="C1")  # fmt: skip
    assert made.status_code == 303
    unit = db.session.scalars(select(Unit).where(Unit.code == "unit-C1")).one()
    assert (unit.kind, unit.area_code, unit.active) == ("community", "C1", True)
    assert "已新建单位 一号社区调委会" in html(admin_client.get("/console/admin/units"))
    changed = post(
        admin_client,
        f"/console/admin/units/{unit.id}",
        name="一号社区人民调解委员会",
        kind="community",
        area_code="C1",
    )  # fmt: skip  (active unticked)
    assert changed.status_code == 303
    db.session.refresh(unit)
    assert unit.name == "一号社区人民调解委员会" and unit.active is False
    bad_area = post(admin_client, f"/console/admin/units/{unit.id}", name="x", kind="community",
                    area_code="nowhere")  # fmt: skip
    assert bad_area.status_code == 422 and "请从列表中选择负责的区域" in html(bad_area)
    records = db.session.scalars(select(AdminChange).order_by(AdminChange.id)).all()
    assert [r.kind for r in records] == ["unit.create", "unit.update"]
    assert records[1].changes["active"] == [True, False]
    assert records[1].actor_name == "guanli" and records[1].via == "console"


def test_a_user_gets_roles_scopes_and_unit_from_lists_and_a_one_time_password(
    app, admin_client, areas
):
    form = html(admin_client.get("/console/admin/users/new"))
    assert 'type="checkbox" name="roles" value="responder"' in form
    assert '<option value="S1">' in form and '<option value="unit-S1">' in form
    # A responder without a unit has an empty workbench: refused next to the field.
    refused = post(admin_client, "/console/admin/users/new", username="zhang", roles=["responder"],
                   area_codes=["S1"])  # fmt: skip
    assert refused.status_code == 422 and "承办单位角色的用户需要选择所属单位" in html(refused)
    nothing = post(admin_client, "/console/admin/users/new", username="zhang")
    assert nothing.status_code == 422 and "请至少选择一个角色" in html(nothing)
    made = post(admin_client, "/console/admin/users/new", username="zhang", display_name="张处置",
                roles=["responder"], area_codes=["S1"], unit_code="unit-S1")  # fmt: skip
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    password = ONE_TIME.search(html(made)).group(1)
    user = db.session.scalars(select(User).where(User.username == "zhang")).one()
    assert (user.roles, user.area_codes, user.unit_code) == (["responder"], ["S1"], "unit-S1")
    assert user.must_change_password and password not in str(user.password_hash)
    again = post(admin_client, "/console/admin/users/new", username="zhang", roles=["cleaner"])
    assert again.status_code == 422 and "这个用户名已被使用" in html(again)
    # Edited: roles and scopes change, the username stays.
    edited = post(admin_client, f"/console/admin/users/{user.id}", display_name="张三",
                  roles=["responder", "grid_worker"], area_codes=["S1", "S2"],
                  unit_code="unit-S1")  # fmt: skip
    assert edited.status_code == 303
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.roles == ["grid_worker", "responder"] and user.area_codes == ["S1", "S2"]
    # The scope's paths (read with the row) are there for the areas just added.
    assert sorted(r.area_path for r in user.area_rows) == ["/D/S1/", "/D/S2/"]
    assert kinds() == ["user.create", "user.update"]
    # The one-time password signs in, and the user must choose their own first.
    person = app.test_client()
    signed = sign_in(person, "zhang", password)
    assert signed.status_code == 303 and "/console/password" in signed.location
    assert "/console/password" in person.get("/console/cases").location
    short = post(person, "/console/password", current_password=password, new_password="short",
                 confirm="short")  # fmt: skip
    assert short.status_code == 422 and "新密码至少 8 个字符" in html(short)
    wrong = post(person, "/console/password", current_password="nope-nope",
                 new_password="zhang-own-1", confirm="zhang-own-1")  # fmt: skip
    assert wrong.status_code == 422 and "当前密码不对" in html(wrong)
    changed = post(person, "/console/password", current_password=password,
                   new_password="zhang-own-1", confirm="zhang-own-1")  # fmt: skip
    assert changed.status_code == 303
    assert person.get("/console/cases").status_code == 200


def test_disable_keeps_the_last_admin_and_reset_ends_every_sign_in(
    app, client, admin_client, admin_user, staff, auth
):
    cleaner = staff["cleaner"]
    headers = auth(cleaner)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    reset = post(admin_client, f"/console/admin/users/{cleaner.id}/reset-password")
    assert reset.status_code == 200
    password = ONE_TIME.search(html(reset)).group(1)
    assert "只显示这一次" in html(reset)
    # Old tokens are gone; a new sign-in through the API works only for the change.
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    token = client.post("/api/v1/auth/token", json={"username": cleaner.username,
                                                    "password": password}).get_json()  # fmt: skip
    fresh = {"Authorization": f"Bearer {token['access_token']}"}
    assert token["user"]["must_change_password"] is True
    blocked = client.get("/api/v1/queue", headers=fresh)
    assert (
        blocked.status_code == 403 and "POST /api/v1/auth/password" in blocked.get_json()["message"]
    )
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 200
    same = client.post("/api/v1/auth/password", headers=fresh,
                       json={"current_password": password, "new_password": password})  # fmt: skip
    assert same.status_code == 422
    done = client.post("/api/v1/auth/password", headers=fresh,
                       json={"current_password": password, "new_password": "my-own-pass"})  # fmt: skip
    assert done.status_code == 204
    assert client.get("/api/v1/queue", headers=fresh).status_code == 200
    # 停用: the last admin cannot be disabled (nor can an admin disable themselves).
    refused = post(admin_client, f"/console/admin/users/{admin_user.id}/disable")
    assert refused.status_code == 422 and "不能停用自己" in html(refused)
    other = staff["supervisor"]
    assert post(admin_client, f"/console/admin/users/{other.id}/disable").status_code == 303
    db.session.refresh(other)
    assert other.active is False
    assert "已停用" in html(admin_client.get("/console/admin/users"))
    demote = post(admin_client, f"/console/admin/users/{admin_user.id}", roles=["supervisor"],
                  area_codes=["D"])  # fmt: skip
    assert demote.status_code == 422 and "不能停用自己，也不能取消自己的系统管理员角色" in html(
        demote
    )
    changes = db.session.scalars(select(AdminChange).order_by(AdminChange.id)).all()
    assert [c.kind for c in changes] == ["user.reset_password", "user.disable"]
    assert password not in str([(c.summary, c.changes) for c in changes])


def test_the_last_active_admin_stays_one(app, make_user, admin_user):
    from app.accounts.service import set_active
    from app.core.errors import Invalid

    second = make_user("admin", username="second")
    set_active(admin_user, False, by=second)
    client = app.test_client()
    assert sign_in(client, "second").status_code == 303
    refused = post(client, f"/console/admin/users/{second.id}/disable")
    assert refused.status_code == 422  # themselves
    try:
        set_active(second, False, by=None)
    except Invalid as error:
        assert "last active admin" in error.message
    else:
        raise AssertionError("the last admin was disabled")


def test_the_api_writes_of_these_screens_are_recorded_too(client, areas, admin_user, auth):
    headers = auth(admin_user)
    unit = client.post("/api/v1/units", headers=headers,
                       json={"code": "unit-C1", "name": "一号社区", "kind": "community",
                             "area_code": "C1"})  # fmt: skip
    assert unit.status_code == 201
    user = client.post("/api/v1/users", headers=headers,
                       json={"username": "api-user", "password": "long-enough-1",
                             "roles": ["cleaner"], "area_codes": ["D"]})  # fmt: skip
    assert user.status_code == 201 and user.get_json()["must_change_password"] is False
    user_id = user.get_json()["id"]
    assert client.patch(f"/api/v1/users/{user_id}", headers=headers,
                        json={"active": False}).status_code == 200  # fmt: skip
    rule = client.post("/api/v1/triage/rules", headers=headers,
                       json={"kind": "risk", "pattern": "煤气味", "target": "high"})  # fmt: skip
    rule_id = rule.get_json()["id"]
    assert client.patch(f"/api/v1/triage/rules/{rule_id}", headers=headers,
                        json={"active": False}).status_code == 200  # fmt: skip
    assert client.put("/api/v1/calendar-days/2027-01-01", headers=headers,
                      json={"kind": "holiday", "name": "元旦"}).status_code == 200  # fmt: skip
    policy = client.post("/api/v1/deadline-policies", headers=headers,
                         json={"risk_level": "high", "accept_within": 2, "accept_unit": "hours",
                               "resolve_within": 3, "resolve_unit": "working_days"})  # fmt: skip
    assert policy.status_code == 201
    records = db.session.scalars(select(AdminChange).order_by(AdminChange.id)).all()
    assert [(r.kind, r.via) for r in records] == [
        ("unit.create", "api"),
        ("user.create", "api"),
        ("user.disable", "api"),
        ("rule.create", "api"),
        ("rule.retire", "api"),
        ("calendar.update", "api"),
        ("deadline.update", "api"),
    ]
    assert all(r.actor_user_id == admin_user.id for r in records)
    assert "long-enough-1" not in str([r.changes for r in records])
