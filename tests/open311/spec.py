"""GeoReport v2 as its specification writes it (wiki.open311.org/GeoReport_v2 and the Service
Discovery page), to check our answers against: element names, list items, field lists, types.

Written from the specification's tables, not from app.open311: a renamed or missing field in
the code fails here.
"""

import json
import re
from datetime import datetime
from xml.etree import ElementTree

# Lists and the element each of their items is in.
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}
SERVICE_FIELDS = {
    "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
}  # fmt: skip
SERVICE_TYPES = {"realtime", "batch", "blackbox"}
DEFINITION_FIELDS = {"service_code", "attributes"}
ATTRIBUTE_FIELDS = {
    "variable", "code", "datatype", "required", "datatype_description", "order", "description",
    "values",
}  # fmt: skip
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
VALUE_FIELDS = {"key", "name"}
POSTED_FIELDS = {"service_request_id", "service_notice", "account_id"}
TOKEN_FIELDS = {"token"}
TOKEN_LOOKUP_FIELDS = {"service_request_id", "token"}
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip
ERROR_FIELDS = {"code", "description"}
# W3C date-time with an offset (Z or ±hh:mm), as the specification requires.
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


def _element(element: ElementTree.Element):
    if element.tag in LIST_ITEMS:
        item = LIST_ITEMS[element.tag]
        children = list(element)
        assert all(child.tag == item for child in children), (element.tag, children)
        return [_element(child) for child in children]
    children = list(element)
    if not children:
        return element.text or ""
    tags = [child.tag for child in children]
    assert len(tags) == len(set(tags)), f"repeated elements in {element.tag}: {tags}"
    return {child.tag: _element(child) for child in children}


def parse(response, fmt: str, root: str):
    """The body as plain data, after checking the format's headers and (XML) declaration."""
    assert "charset=utf-8" in response.content_type.lower()
    if fmt == "json":
        assert response.content_type.startswith("application/json")
        return json.loads(response.data.decode("utf-8"))
    assert response.content_type.startswith("text/xml")
    first_line = response.data.split(b"\n", 1)[0]
    assert first_line.startswith(b"<?xml") and b'encoding="UTF-8"' in first_line
    document = ElementTree.fromstring(response.data)
    assert document.tag == root
    return _element(document)


def text(value) -> str:
    """A scalar as XML carries it (JSON's null, true and numbers as XML's text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_time(value, *, required: bool = True) -> None:
    if not required and text(value) == "":
        return
    assert W3C.match(text(value)), value
    assert datetime.fromisoformat(text(value).replace("Z", "+00:00")).tzinfo is not None


def check_errors(response, fmt: str, status: int) -> str:
    """The standard's error list with the HTTP status; gives the description."""
    assert response.status_code == status, response.data
    errors = parse(response, fmt, "errors")
    assert isinstance(errors, list) and len(errors) == 1
    assert set(errors[0]) == ERROR_FIELDS
    assert text(errors[0]["code"]) == str(status)
    assert text(errors[0]["description"])
    return text(errors[0]["description"])


def check_request(record: dict) -> None:
    assert set(record) == REQUEST_FIELDS, set(record) ^ REQUEST_FIELDS
    assert text(record["status"]) in {"open", "closed"}
    check_time(record["requested_datetime"])
    check_time(record["updated_datetime"])
    check_time(record["expected_datetime"], required=False)
    for name in ("lat", "long"):
        if text(record[name]):
            float(text(record[name]))
