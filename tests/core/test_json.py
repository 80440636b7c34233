"""Chinese in JSON answers is UTF-8 on the wire, not \\uXXXX escapes."""

from decimal import Decimal

import orjson


def test_chinese_is_sent_as_utf8(client):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_data()
    assert b"\\u" not in body
    names = [c["name"] for c in orjson.loads(body)]
    assert any(name.encode() in body for name in names) and any(
        "\u4e00" <= ch <= "\u9fff" for name in names for ch in name
    )


def test_errors_and_the_openapi_document_too(client):
    error = client.post("/api/v1/auth/token", json={})
    assert error.status_code == 422 and b"\\u" not in error.get_data()
    document = client.get("/api/v1/openapi.json").get_data()
    assert "解纷".encode() in document and b"\\u" not in document


def test_values_outside_orjson_convert_like_flask(app):
    assert orjson.loads(app.json.dumps({"amount": Decimal("1.50"), 3: {"a"}})) == {
        "amount": "1.50",
        "3": ["a"],
    }
    assert app.json.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a":2,"b":1}'
