"""Area import: all or nothing, the bad feature named, idempotent, GCJ-02 converted."""

import copy

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select

from app.areas.models import Area
from app.core.coords import from_wgs84
from app.extensions import db
from tests.helpers.geometry import TEST_AREAS, box, feature


def area_count() -> int:
    return db.session.scalar(select(func.count(Area.id)))


def post(client, headers, data, **query):
    return client.post("/api/v1/areas/import", json=data, headers=headers, query_string=query)


def test_import_creates_tree_with_paths(client, admin_headers):
    response = post(client, admin_headers, TEST_AREAS)
    assert response.status_code == 200, response.json
    assert response.json == {"created": 5, "updated": 0, "unchanged": 0}
    g1 = db.session.scalars(select(Area).where(Area.code == "G1")).one()
    assert g1.path == "/D/S1/C1/G1/"
    assert g1.parent_code == "C1"


def test_reimport_changes_nothing(client, admin_headers):
    post(client, admin_headers, TEST_AREAS)
    before = {a.code: (a.updated_at, a.path) for a in db.session.scalars(select(Area))}
    response = post(client, admin_headers, TEST_AREAS)
    assert response.json == {"created": 0, "updated": 0, "unchanged": 5}
    db.session.expire_all()
    assert {a.code: (a.updated_at, a.path) for a in db.session.scalars(select(Area))} == before


def test_changed_feature_is_updated(client, admin_headers):
    post(client, admin_headers, TEST_AREAS)
    changed = copy.deepcopy(TEST_AREAS)
    changed["features"][3]["properties"]["name"] = "改名社区"
    response = post(client, admin_headers, changed)
    assert response.json == {"created": 0, "updated": 1, "unchanged": 4}


@pytest.mark.parametrize(
    ("index", "mutate", "field", "words"),
    [
        (
            2,
            lambda f: f.update(
                geometry={
                    "type": "Polygon",
                    "coordinates": [
                        [[105.4, 28.7], [105.5, 28.8], [105.5, 28.7], [105.4, 28.8], [105.4, 28.7]]
                    ],
                }
            ),
            "geometry",
            "Self-intersection",
        ),
        (3, lambda f: f["properties"].update(parent_code="NOPE"), "parent_code", "unknown parent"),
        (4, lambda f: f["properties"].update(level="subdistrict"), "level", "cannot sit under"),
        (4, lambda f: f["properties"].update(code="S1"), "code", "duplicate code"),
        (1, lambda f: f["properties"].update(level="province"), "level", "must be one of"),
    ],
)
def test_bad_feature_rejects_whole_file(client, admin_headers, index, mutate, field, words):
    data = copy.deepcopy(TEST_AREAS)
    mutate(data["features"][index])
    code = data["features"][index]["properties"]["code"]
    response = post(client, admin_headers, data)
    assert response.status_code == 422
    entry = response.json["errors"]["json"]["features"][str(index)]
    assert entry["code"] == code
    assert words in " ".join(entry["errors"][field])
    assert f"feature {index} (code {code})" in response.json["message"]
    assert area_count() == 0


def test_bad_file_leaves_earlier_import_intact(client, admin_headers):
    post(client, admin_headers, TEST_AREAS)
    extra = {
        "type": "FeatureCollection",
        "features": [
            feature("S3", "三号街道", "subdistrict", "D", box(105.5, 28.7, 105.6, 28.8)),
            feature("X", "坏的", "community", "S3", {"type": "Polygon", "coordinates": [[[1, 1]]]}),
        ],
    }
    response = post(client, admin_headers, extra)
    assert response.status_code == 422
    assert "1" in response.json["errors"]["json"]["features"]
    assert area_count() == 5
    assert db.session.scalars(select(Area).where(Area.code == "S3")).first() is None


def test_not_a_feature_collection(client, admin_headers):
    response = post(client, admin_headers, {"type": "Feature"})
    assert response.status_code == 422
    assert "type" in response.json["errors"]["json"]


def test_gcj02_file_is_converted_to_wgs84(client, admin_headers):
    truth = (105.32, 28.72)
    gcj = from_wgs84(*truth, "gcj02")
    ring = [[gcj[0] - 0.01, gcj[1] - 0.01], [gcj[0] + 0.01, gcj[1] - 0.01],
            [gcj[0] + 0.01, gcj[1] + 0.01], [gcj[0] - 0.01, gcj[1] + 0.01], [gcj[0] - 0.01, gcj[1] - 0.01]]  # fmt: skip
    data = {
        "type": "FeatureCollection",
        "features": [
            feature("D", "区", "district", None, {"type": "Polygon", "coordinates": [ring]})
        ],
    }
    assert post(client, admin_headers, data, coord_sys="gcj02").status_code == 200
    stored = to_shape(db.session.scalars(select(Area)).one().geom)
    centre = stored.centroid
    # The GCJ-02 square was centred on the GCJ-02 image of `truth`; stored, it is centred on truth.
    assert abs(centre.x - truth[0]) < 1e-5 and abs(centre.y - truth[1]) < 1e-5


def test_import_needs_admin(client, make_user, auth):
    cleaner = make_user("cleaner")
    assert post(client, auth(cleaner), TEST_AREAS).status_code == 403
    assert post(client, {}, TEST_AREAS).status_code == 401
