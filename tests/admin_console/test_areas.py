"""Areas screen: the tree with counts, upload → preview (nothing stored) → 确认导入."""

import copy
import io
import json
import re

from sqlalchemy import func, select

from app.admin_console.models import AdminUpload
from app.areas.models import Area
from app.audit.models import AdminChange
from app.extensions import db
from tests.admin_console.conftest import token_of
from tests.helpers.geometry import TEST_AREAS, box, feature


def upload(client, data, coord_sys="wgs84", name="district.geojson"):
    body = json.dumps(data, ensure_ascii=False).encode() if not isinstance(data, bytes) else data
    return client.post(
        "/console/admin/areas/upload",
        data={
            "csrf_token": token_of(client, "/console/admin/areas"),
            "coord_sys": coord_sys,
            "file": (io.BytesIO(body), name),
        },
        content_type="multipart/form-data",
    )


def confirm(client, preview_path):
    page = client.get(preview_path).get_data(as_text=True)
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)
    coord_sys = re.search(r'name="coord_sys" value="(\w+)"', page).group(1)
    return client.post(
        "/console/admin/areas/import",
        data={"csrf_token": token_of(client, preview_path), "digest": digest,
              "coord_sys": coord_sys},
    )  # fmt: skip


def areas_count():
    return db.session.scalar(select(func.count(Area.id)))


def with_a_bad_feature():
    data = copy.deepcopy(TEST_AREAS)
    data["features"][3]["properties"]["parent_code"] = "S9"  # C1 under a parent nobody has
    return data


def test_a_bad_feature_is_named_and_nothing_is_stored(admin_client):
    answer = upload(admin_client, with_a_bad_feature())
    assert answer.status_code == 303
    preview = answer.headers["Location"]
    page = admin_client.get(preview)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "文件不合格，没有导入任何内容" in text
    row = re.search(r'<tr id="feature-3">.*?</tr>', text, re.S).group(0)
    assert "C1" in row and "上级区域 S9 不存在" in row
    assert ">确认导入</button>" not in text
    assert areas_count() == 0 and db.session.scalar(select(func.count(AdminChange.id))) == 0


def test_a_good_file_previews_then_imports_once(admin_client):
    answer = upload(admin_client, TEST_AREAS)
    preview = answer.headers["Location"]
    text = admin_client.get(preview).get_data(as_text=True)
    assert "将新建 <strong>5</strong> 个" in text and "<svg" in text
    assert areas_count() == 0  # previewed only
    done = confirm(admin_client, preview)
    assert done.status_code == 303 and done.headers["Location"].endswith("/console/admin/areas")
    assert areas_count() == 5
    page = admin_client.get("/console/admin/areas").get_data(as_text=True)
    assert "已导入：新建 5 个" in page
    assert re.search(r'<tr id="area-G1"><td class="name depth-3">一号网格', page)
    # The same file again: the same stored upload, and importing changes nothing.
    again = upload(admin_client, TEST_AREAS)
    assert "完全相同" in admin_client.get(again.headers["Location"]).get_data(as_text=True)
    confirm(admin_client, again.headers["Location"])
    assert "没有变化" in admin_client.get("/console/admin/areas").get_data(as_text=True)
    changes = db.session.scalars(select(AdminChange)).all()
    assert [c.kind for c in changes] == ["area.import"]
    assert db.session.scalar(select(func.count()).select_from(AdminUpload)) == 0


def test_gcj02_is_converted(admin_client):
    data = {"type": "FeatureCollection", "features": [
        feature("D", "测试区", "district", None, box(105.30, 28.70, 105.50, 28.80))]}  # fmt: skip
    preview = upload(admin_client, data, coord_sys="gcj02").headers["Location"]
    assert "GCJ-02" in admin_client.get(preview).get_data(as_text=True)
    confirm(admin_client, preview)
    area = db.session.scalar(select(Area))
    assert area is not None
    from app.core.spatial import to_shapely

    assert to_shapely(area.geom).bounds[0] < 105.30  # shifted back to WGS84 (west)


def test_bad_uploads_are_refused_next_to_the_field(admin_client):
    answer = upload(admin_client, b"not json at all")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="f-file-err"' in text and "JSON" in text
    answer = upload(admin_client, TEST_AREAS, coord_sys="bd09x")
    assert answer.status_code == 422 and 'id="f-coord_sys-err"' in answer.get_data(as_text=True)
    not_a_collection = upload(admin_client, {"type": "Feature"})
    text = admin_client.get(not_a_collection.headers["Location"]).get_data(as_text=True)
    assert "必须是 GeoJSON FeatureCollection" in text
    assert admin_client.get("/console/admin/areas/preview/" + "0" * 64).status_code == 404


def test_tree_counts_units_grids_and_reports(admin_client, areas):
    text = admin_client.get("/console/admin/areas").get_data(as_text=True)
    row = re.search(r'<tr id="area-D">.*?</tr>', text, re.S).group(0)
    nums = re.findall(r'<td class="num">(\S+)</td>', row)
    assert nums == ["3", "1", "0"]  # three units, one grid, no reports yet
