"""GeoReport's two formats: the resource's format from its file suffix, and XML or JSON out.

XML follows the specification's element names (a list's items each in the singular element
the specification gives); JSON is the same data with lists as arrays.
"""

import json
from typing import Any
from xml.etree import ElementTree

from flask import Response

FORMATS = ("xml", "json")
# Written by hand: ElementTree's own uses single quotes, which some strict clients refuse.
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The element each item of a list is wrapped in, by the list's element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}


def split_format(name: str) -> tuple[str, str]:
    """("labour_wages.unpaid_wages", "json") from "labour_wages.unpaid_wages.json".

    Codes may contain dots, so the format is what follows the last one; a name without a
    known suffix is XML, the format the specification requires.
    """
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix.lower() in FORMATS:
        return stem, suffix.lower()
    return name, "xml"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    _fill(element, tag, value)


def _fill(element: ElementTree.Element, tag: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _append(element, key, child)
    elif isinstance(value, list | tuple):
        for item in value:
            _append(element, ITEM_TAGS.get(tag, "item"), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, root, value)
    return XML_DECLARATION + ElementTree.tostring(element, encoding="unicode").encode("utf-8")


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    else:
        body = to_xml(root, value)
    return Response(body, status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, status: int, description: str) -> Response:
    """The specification's error list: one `error` with the HTTP status as its code."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status)
