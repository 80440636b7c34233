"""The seeded Chinese category tree; admins add and retire categories."""

from app.categories.models import Category
from app.categories.seed import CATEGORIES
from app.categories.service import active_category
from app.core.errors import Invalid
from app.extensions import db

REQUIRED = {
    "婚姻家庭", "邻里纠纷", "房屋宅基地", "物业纠纷", "合同纠纷", "民间借贷", "劳动争议/欠薪",
    "消费纠纷", "医疗纠纷", "道路交通事故", "损害赔偿", "山林土地", "征地拆迁", "环境污染",
    "安全隐患", "治安问题", "其他",
}  # fmt: skip


def test_seeded_tree_is_public_and_complete(client):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    names = {c["name"] for c in response.json if c["parent_code"] is None}
    assert names >= REQUIRED
    assert len(response.json) == len(CATEGORIES)
    codes = {c["code"] for c in response.json}
    assert all(c["parent_code"] in codes for c in response.json if c["parent_code"])


def test_admin_adds_and_retires(client, admin_headers):
    added = client.post(
        "/api/v1/categories",
        json={"code": "neighbour.pets", "name": "宠物扰民", "parent_code": "neighbour"},
        headers=admin_headers,
    )
    assert added.status_code == 201
    assert (
        client.post("/api/v1/categories/neighbour.pets/retire", headers=admin_headers).status_code
        == 200
    )
    listed = {c["code"] for c in client.get("/api/v1/categories").json}
    assert "neighbour.pets" not in listed
    everything = client.get("/api/v1/categories", query_string={"include_retired": 1}).json
    assert {"code": "neighbour.pets", "active": False}.items() <= next(
        c for c in everything if c["code"] == "neighbour.pets"
    ).items()
    # Retired: still in the table for old reports, refused for new ones.
    assert db.session.get(Category, "neighbour.pets") is not None
    try:
        active_category("neighbour.pets")
    except Invalid as error:
        assert "retired" in error.message
    else:
        raise AssertionError("a retired category was accepted")


def test_bad_category_input(client, admin_headers, make_user, auth):
    bad = client.post(
        "/api/v1/categories", json={"code": "Bad Code", "name": "x"}, headers=admin_headers
    )
    assert bad.status_code == 422 and "code" in bad.json["errors"]["json"]
    dup = client.post(
        "/api/v1/categories", json={"code": "other", "name": "x"}, headers=admin_headers
    )
    assert dup.status_code == 409
    body = {"code": "x", "name": "x"}
    assert (
        client.post("/api/v1/categories", json=body, headers=auth(make_user("cleaner"))).status_code
        == 403
    )
