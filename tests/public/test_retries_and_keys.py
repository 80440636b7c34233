"""A resident's phone on a weak network: retries, readable tracking keys, one error shape."""

import base64
import hashlib
import re

from sqlalchemy import select

from app.core.idempotency import PUBLIC, IdempotencyRecord
from app.extensions import db
from app.reports.models import Report
from app.reports.tracking_keys import KEY_ALPHABET
from tests.helpers.retries import kept_retries

URL = "/api/v1/public/reports"
TRACK = "/api/v1/track"
PHONE = "13800138000"
KEY_SHAPE = re.compile(rf"^[{KEY_ALPHABET}]{{4}}(-[{KEY_ALPHABET}]{{4}}){{3}}$")


def body(code: str, **overrides) -> dict:
    return {
        "site_code": code,
        "description": "楼下烧烤油烟很大",
        "contact_phone": PHONE,
        "client_uuid": "retry-0123456789ab",
        **overrides,
    }


def reports() -> int:
    db.session.rollback()
    return len(db.session.scalars(select(Report.id)).all())


def test_a_replayed_report_says_so_and_answers_the_same(client, code):
    first = client.post(URL, json=body(code))
    again = client.post(URL, json=body(code))
    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert reports() == 1


def test_the_idempotency_key_header_works_as_client_uuid_does(client, code):
    headers = {"Idempotency-Key": "header-0123456789ab"}
    payload = body(code, client_uuid=None)
    first = client.post(URL, json=payload, headers=headers)
    again = client.post(URL, json=payload, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    assert reports() == 1


def test_a_different_report_under_the_same_key_is_409(client, code):
    assert client.post(URL, json=body(code)).status_code == 201
    other = client.post(URL, json=body(code, description="另一件事：路灯坏了"))
    assert other.status_code == 409
    assert "client_uuid" in other.json["errors"]["json"]
    assert isinstance(other.json["errors"]["message_zh"], str)
    assert reports() == 1


def test_the_kept_record_holds_no_phone_and_no_tracking_key(client, code):
    filed = client.post(URL, json=body(code)).json
    db.session.rollback()
    # Kept on the report itself (its client_uuid and the request's fingerprint), no record row.
    assert db.session.scalars(select(IdempotencyRecord)).all() == []
    [record] = kept_retries(PUBLIC, body(code)["client_uuid"])
    resource, _, status, kept_print = record
    kept = " ".join(str(value) for value in record)
    assert PHONE not in kept
    assert filed["tracking_key"] not in kept
    assert filed["tracking_key"].replace("-", "") not in kept
    assert (resource, status) == ("report", 201)
    # The fingerprint is keyed: the plain hash of the request is not it either.
    assert hashlib.sha256(PHONE.encode()).hexdigest() != kept_print


def test_message_zh_is_one_string_on_every_public_error(client, code):
    answers = [
        client.post(URL, json={"site_code": code, "description": ""}),  # a field is wrong
        client.post(URL, json={"site_code": code, "description": "有事", "contact_phone": "1"}),
        client.post(URL, json=["not", "an", "object"]),  # the schema refuses it
        client.post(URL, data={"description": "有事"}),  # a form without code or position
        client.get(f"{TRACK}/JF000000AAAAAA?key=nope"),  # not found
        client.get(f"{TRACK}/JF000000AAAAAA"),  # the key is missing
    ]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 404, 422]
    for answer in answers:
        chinese = answer.json["errors"]["message_zh"]
        assert isinstance(chinese, str) and chinese.strip(), answer.json
    # Field errors stay under `errors`, with the Chinese words per field beside them.
    wrong = answers[1].json["errors"]
    assert "contact_phone" in wrong["json"] and wrong["fields_zh"]["contact_phone"]
    assert wrong["message_zh"] == wrong["fields_zh"]["contact_phone"][0]


def test_new_tracking_keys_are_grouped_without_look_alike_characters(client, code):
    keys = [
        client.post(URL, json=body(code, client_uuid=None, description=f"第{i}件事")).json[
            "tracking_key"
        ]
        for i in range(5)
    ]
    for key in keys:
        assert KEY_SHAPE.match(key), key
        assert not set(key) & set("O0Il1o")
    assert len(set(keys)) == 5


def test_tracking_numbers_and_new_keys_are_accepted_in_any_case(client, code):
    filed = client.post(URL, json=body(code)).json
    number, key = filed["tracking_no"], filed["tracking_key"]
    for typed_number, typed_key in [
        (number, key),
        (number.lower(), key.lower()),
        (number.lower(), key.replace("-", "")),
        (number.swapcase(), key.lower().replace("-", " ")),
    ]:
        api = client.get(f"{TRACK}/{typed_number}", query_string={"key": typed_key})
        assert api.status_code == 200, (typed_number, typed_key)
        assert api.json["tracking_no"] == number
        page = client.get(f"/t/{typed_number}", query_string={"key": typed_key})
        assert page.status_code == 200, (typed_number, typed_key)
        assert number in page.get_data(as_text=True)
    # The typed-in lookup form of the page too.
    looked_up = client.get("/t", query_string={"no": number.lower(), "key": key.lower()})
    assert looked_up.status_code == 303
    assert client.get(looked_up.headers["Location"]).status_code == 200
    assert client.get(f"{TRACK}/{number}", query_string={"key": "WRONG"}).status_code == 404


def test_a_key_issued_before_the_change_keeps_working_exactly_as_issued(client, code):
    filed = client.post(URL, json=body(code, client_uuid=None)).json
    old_key = base64.urlsafe_b64encode(b"\x8f\x00older key!").decode()  # the old shape
    assert re.search(r"[a-z]", old_key) and re.search(r"[A-Z]", old_key)
    report = db.session.scalars(
        select(Report).where(Report.tracking_no == filed["tracking_no"])
    ).one()
    report.tracking_key_hash = hashlib.sha256(old_key.encode()).hexdigest()  # as it was stored
    db.session.commit()
    url = f"{TRACK}/{filed['tracking_no']}"
    assert client.get(url, query_string={"key": old_key}).status_code == 200
    assert (
        client.get(f"/t/{filed['tracking_no']}", query_string={"key": old_key}).status_code == 200
    )
    # Exactly as issued: it was case-sensitive and stays so.
    assert client.get(url, query_string={"key": old_key.swapcase()}).status_code == 404
    assert client.get(url, query_string={"key": filed["tracking_key"]}).status_code == 404
