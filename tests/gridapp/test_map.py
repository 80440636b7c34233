"""GET /api/v1/me/map: the worker's areas and the grids inside them, for the offline map."""


def test_my_areas_down_to_grids_and_nothing_else(client, areas, make_user, auth):
    worker = make_user("grid_worker", ["S1"])
    answer = client.get("/api/v1/me/map", headers=auth(worker))
    assert answer.status_code == 200
    body = answer.get_json()
    assert [a["code"] for a in body["areas"]] == ["S1", "C1", "G1"]
    assert body["bbox"] == [105.3, 28.7, 105.4, 28.8]
    grid = body["areas"][2]
    assert grid["level"] == "grid" and grid["parent_code"] == "C1" and grid["name"] == "一号网格"
    ring = grid["rings"][0]
    assert ring[0] == ring[-1] and {tuple(p) for p in ring} >= {(105.3, 28.7), (105.35, 28.75)}
    lon, lat = grid["label_at"]
    assert 105.3 <= lon <= 105.35 and 28.7 <= lat <= 28.75


def test_no_areas_no_map(client, areas, make_user, auth):
    nobody = make_user("grid_worker", [])
    assert client.get("/api/v1/me/map", headers=auth(nobody)).get_json() == {
        "bbox": None,
        "areas": [],
    }


def test_signed_in_staff_only(client):
    assert client.get("/api/v1/me/map").status_code == 401
