"""The public intake's Idempotency-Key header is held to client_uuid's length (the column's)."""

from tests.public.helpers import counts

URL = "/api/v1/public/reports"


def test_an_overlong_idempotency_key_is_a_422_naming_the_header(client, code):
    answer = client.post(
        URL,
        json={"site_code": code, "description": "路灯不亮"},
        headers={"Idempotency-Key": "k" * 65},
    )
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json["errors"]["headers"]
    assert counts() == (0, 0)


def test_the_longest_key_files_once(client, code):
    header = {"Idempotency-Key": "k" * 64}
    body = {"site_code": code, "description": "路灯不亮"}
    first, second = (
        client.post(URL, json=body, headers=header),
        client.post(URL, json=body, headers=header),
    )
    assert first.status_code == second.status_code == 201
    assert first.json == second.json
    assert counts() == (1, 0)
