"""Discovery, the service list and service definitions, in both formats, against the spec."""

import pytest

from app.categories.seed import CATEGORIES
from app.categories.service import retire_category
from app.extensions import db
from tests.open311.conftest import BASE
from tests.open311.spec import (
    ATTRIBUTE_FIELDS,
    DATATYPES,
    DEFINITION_FIELDS,
    DISCOVERY_FIELDS,
    ENDPOINT_FIELDS,
    SERVICE_FIELDS,
    SERVICE_TYPES,
    VALUE_FIELDS,
    check_errors,
    check_time,
    parse,
    text,
)

FORMATS = ["xml", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_the_specification_and_both_formats(client, fmt):
    response = client.get(f"{BASE}/discovery.{fmt}")
    assert response.status_code == 200
    body = parse(response, fmt, "discovery")
    assert set(body) == DISCOVERY_FIELDS
    check_time(body["changeset"])
    assert text(body["contact"]) and text(body["key_service"])
    (endpoint,) = body["endpoints"]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert text(endpoint["specification"]) == "http://wiki.open311.org/GeoReport_v2"
    assert text(endpoint["url"]).endswith("/open311/v2")
    assert text(endpoint["type"]) in {"production", "test"}
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_service_per_active_category_grouped_by_its_parent(client, fmt):
    retire_category("consumer")
    db.session.commit()
    response = client.get(f"{BASE}/services.{fmt}")
    assert response.status_code == 200
    services = parse(response, fmt, "services")
    assert [text(s["service_code"]) for s in services] == [
        code for code, _name, _parent in CATEGORIES if code != "consumer"
    ]
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert text(service["type"]) in SERVICE_TYPES and text(service["metadata"]) == "true"
        assert text(service["service_name"]) and text(service["description"])
    by_code = {text(s["service_code"]): s for s in services}
    wages = by_code["labour_wages.unpaid_wages"]
    assert (text(wages["service_name"]), text(wages["group"])) == ("拖欠工资", "劳动争议/欠薪")
    assert "拖欠工资" in text(wages["keywords"]).split(",")
    assert text(by_code["other"]["group"]) == "其他"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_definition_asks_about_danger_people_and_for_wages_the_amount(client, fmt):
    # The code has dots itself: only the last one starts the format.
    response = client.get(f"{BASE}/services/labour_wages.unpaid_wages.{fmt}")
    assert response.status_code == 200
    definition = parse(response, fmt, "service_definition")
    assert set(definition) == DEFINITION_FIELDS
    assert text(definition["service_code"]) == "labour_wages.unpaid_wages"
    attributes = {text(a["code"]): a for a in definition["attributes"]}
    for attribute in attributes.values():
        assert set(attribute) == ATTRIBUTE_FIELDS
        assert text(attribute["datatype"]) in DATATYPES
        assert text(attribute["variable"]) in {"true", "false"}
        assert text(attribute["required"]) in {"true", "false"}
        int(text(attribute["order"]))
        for value in attribute["values"]:
            assert set(value) == VALUE_FIELDS
        listed = text(attribute["datatype"]).endswith("valuelist")
        assert bool(attribute["values"]) == listed
    orders = [int(text(a["order"])) for a in definition["attributes"]]
    assert orders == sorted(orders)
    danger = attributes["danger_now"]
    assert (text(danger["datatype"]), text(danger["required"])) == ("singlevaluelist", "true")
    assert {text(v["key"]) for v in danger["values"]} == {"yes", "no"}
    assert text(attributes["people_count"]["datatype"]) == "number"
    assert text(attributes["wage_amount"]["datatype"]) == "number"


def test_only_wage_arrears_asks_for_the_amount(client):
    noise = client.get(f"{BASE}/services/neighbour.noise.json").json
    assert "wage_amount" not in {a["code"] for a in noise["attributes"]}
    assert {"danger_now", "people_count"} <= {a["code"] for a in noise["attributes"]}


def test_without_a_suffix_a_resource_is_xml(client):
    response = client.get(f"{BASE}/services/neighbour.noise")
    assert parse(response, "xml", "service_definition")["service_code"] == "neighbour.noise"


@pytest.mark.parametrize("fmt", FORMATS)
def test_errors_for_unknown_services_jurisdictions_formats_and_paths(client, areas, fmt):
    assert "nope" in check_errors(client.get(f"{BASE}/services/nope.{fmt}"), fmt, 404)
    retire_category("consumer")
    db.session.commit()
    check_errors(client.get(f"{BASE}/services/consumer.{fmt}"), fmt, 404)
    unknown = client.get(f"{BASE}/services.{fmt}?jurisdiction_id=XX")
    assert "jurisdiction_id" in check_errors(unknown, fmt, 404)
    known = client.get(f"{BASE}/services.{fmt}?jurisdiction_id=D")
    assert known.status_code == 200
    # A sub-district is not a jurisdiction: the district is.
    check_errors(client.get(f"{BASE}/services.{fmt}?jurisdiction_id=S1"), fmt, 404)
    check_errors(client.get(f"{BASE}/no-such-thing.{fmt}"), fmt, 404)
    check_errors(client.delete(f"{BASE}/services.{fmt}"), fmt, 405)


def test_an_unoffered_format_is_refused_in_xml(client):
    assert "format" in check_errors(client.get(f"{BASE}/services.html"), "xml", 404)
