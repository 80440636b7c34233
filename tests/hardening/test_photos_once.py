"""Public photos are decoded once, and all of one request's photos share a pixel budget."""

from app.photos import processing
from tests.public.helpers import counts, photo, upload

URL = "/api/v1/public/reports"


def test_each_photo_is_decoded_once(client, site, code, monkeypatch):
    decodes = []
    real = processing._decode
    monkeypatch.setattr(
        processing, "_decode", lambda img, side: decodes.append(1) or real(img, side)
    )
    data = {
        "site_code": code,
        "description": "楼道堆满杂物",
        "photos": [upload(photo((900, 700)), "a.jpg"), upload(photo((700, 900)), "b.jpg")],
    }
    response = client.post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    assert len(decodes) == 2
    assert counts() == (1, 2)


def test_the_photos_of_one_request_share_a_pixel_budget(app, client, site, code):
    app.config["PHOTO_PIXELS_PER_REQUEST"] = 1_000_000
    data = {
        "site_code": code,
        "description": "楼道堆满杂物",
        "photos": [upload(photo((800, 800)), "a.jpg"), upload(photo((800, 800)), "b.jpg")],
    }
    response = client.post(URL, data=data, content_type="multipart/form-data")
    assert response.status_code in (413, 422)
    assert "photos" in str(response.json["errors"])
    assert counts() == (0, 0)
