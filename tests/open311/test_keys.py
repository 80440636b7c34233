"""Client keys: admins issue, list, change and revoke them over the API and the CLI."""

from sqlalchemy import select

from app.extensions import db
from app.open311.keys import hash_key
from app.open311.models import Open311Key
from tests.open311.test_post import form

KEYS = "/api/v1/open311/keys"


def test_an_admin_issues_a_key_that_works_and_is_stored_only_hashed(
    geography, client, admin_headers, post
):
    made = client.post(
        KEYS,
        json={"name": "12345平台", "rate_limit": "30 per minute", "area_code": "S1"},
        headers=admin_headers,
    )
    assert made.status_code == 201, made.json
    body = made.json
    secret = body["api_key"]
    assert (body["name"], body["rate_limit"], body["area_code"], body["asynchronous"]) == (
        "12345平台", "30 per minute", "S1", False,
    )  # fmt: skip
    assert body["active"] is True and secret.startswith(body["key_prefix"])
    row = db.session.get(Open311Key, body["id"])
    assert row.key_hash == hash_key(secret) and secret not in (row.key_hash, row.key_prefix)
    assert post(form(secret)).status_code == 200

    listed = client.get(KEYS, headers=admin_headers).json["items"]
    assert [k["name"] for k in listed] == ["12345平台"] and "api_key" not in listed[0]
    assert client.get(f"{KEYS}/{body['id']}", headers=admin_headers).json["last_used_at"]

    changed = client.patch(
        f"{KEYS}/{body['id']}", json={"asynchronous": True, "area_code": None},
        headers=admin_headers,
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json["asynchronous"] is True
    assert set(post(form(secret)).json[0]) == {"token"}

    revoked = client.post(f"{KEYS}/{body['id']}/revoke", headers=admin_headers)
    assert revoked.status_code == 200 and revoked.json["active"] is False
    assert revoked.json["revoked_at"]
    assert post(form(secret)).status_code == 403


def test_keys_are_for_admins_and_checked(geography, client, admin_headers, make_user, auth):
    cleaner = auth(make_user("cleaner", ["D"]))
    assert client.post(KEYS, json={"name": "x"}, headers=cleaner).status_code == 403
    assert client.get(KEYS).status_code == 401
    bad_limit = client.post(KEYS, json={"name": "x", "rate_limit": "lots"}, headers=admin_headers)
    assert bad_limit.status_code == 422 and "rate_limit" in bad_limit.json["message"]
    bad_area = client.post(KEYS, json={"name": "x", "area_code": "ZZ"}, headers=admin_headers)
    assert bad_area.status_code == 422 and "area_code" in bad_area.json["message"]
    assert client.post(KEYS, json={"name": "x"}, headers=admin_headers).status_code == 201
    again = client.post(KEYS, json={"name": "x"}, headers=admin_headers)
    assert again.status_code == 409
    assert client.post(f"{KEYS}/999/revoke", headers=admin_headers).status_code == 404


def test_the_cli_issues_lists_and_revokes(app, geography, post):
    runner = app.test_cli_runner()
    issued = runner.invoke(args=["open311", "issue-key", "网格通", "--rate-limit", "5 per minute"])
    assert issued.exit_code == 0, issued.output
    secret = issued.output.strip().rsplit(" ", 1)[-1]
    assert post(form(secret)).status_code == 200
    listing = runner.invoke(args=["open311", "keys"])
    assert "网格通" in listing.output and secret not in listing.output
    key = db.session.scalars(select(Open311Key)).one()
    assert runner.invoke(args=["open311", "revoke-key", str(key.id)]).exit_code == 0
    db.session.expire_all()
    assert post(form(secret)).status_code == 403
    refused = runner.invoke(args=["open311", "issue-key", "坏", "--rate-limit", "lots"])
    assert refused.exit_code != 0 and "rate_limit" in refused.output


def test_the_open311_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path, method in [
        ("/open311/v2/discovery.{fmt}", "get"),
        ("/open311/v2/services.{fmt}", "get"),
        ("/open311/v2/services/{service_file}", "get"),
        ("/open311/v2/requests.{fmt}", "get"),
        ("/open311/v2/requests.{fmt}", "post"),
        ("/open311/v2/requests/{request_file}", "get"),
        ("/open311/v2/tokens/{token_file}", "get"),
        ("/api/v1/open311/keys", "post"),
        ("/api/v1/open311/keys/{key_id}/revoke", "post"),
    ]:
        operation = paths[path][method]
        assert operation["summary"] and {"200", "201"} & set(operation["responses"])
    posted = paths["/open311/v2/requests.{fmt}"]["post"]
    assert {"400", "403", "404", "429"} <= set(posted["responses"])
    assert "application/x-www-form-urlencoded" in posted["requestBody"]["content"]
