"""Service basics: OpenAPI and docs, health probes, one error shape, configuration safety."""

import pytest
from werkzeug.exceptions import InternalServerError

from app import create_app
from app.config import DEFAULT_SECRET_KEY, from_environment


# No database behaviour here: the document and the error shapes are the same on both.
@pytest.mark.dialects("sqlite")
def test_openapi_document_lists_the_contract(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/areas/locate", "/api/v1/areas/import",
                 "/api/v1/units", "/api/v1/categories", "/api/v1/users"):  # fmt: skip
        assert path in spec["paths"], path
    assert "bearerAuth" in spec["components"]["securitySchemes"]


# No database behaviour here: the document and the error shapes are the same on both.
@pytest.mark.dialects("sqlite")
def test_docs_page_and_its_assets_are_served_locally(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"/api/v1/docs-assets/swagger-ui-bundle.js" in page.data
    assert client.get("/api/v1/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_health_and_readiness(client, dialect):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["database"] == dialect


def test_readiness_fails_without_database(tmp_path):
    app = create_app(
        {"TESTING": True, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "LOG_JSON": False}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"


# No database behaviour here: the document and the error shapes are the same on both.
@pytest.mark.dialects("sqlite")
def test_404_and_405_use_the_error_shape(client):
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert set(missing.json) >= {"code", "status", "message"} and missing.json["code"] == 404
    wrong = client.delete("/api/v1/categories")
    assert wrong.status_code == 405 and wrong.json["status"] == "Method Not Allowed"
    assert "GET" in wrong.headers["Allow"]


# No database behaviour here: the document and the error shapes are the same on both.
@pytest.mark.dialects("sqlite")
def test_500_uses_the_error_shape_and_hides_details(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json["code"] == 500 and "secret internals" not in response.get_data(
        as_text=True
    )
    assert response.json["message"] == InternalServerError.description


# No database behaviour here: the document and the error shapes are the same on both.
@pytest.mark.dialects("sqlite")
def test_request_id_is_returned_and_kept(client):
    assert len(client.get("/healthz").headers["X-Request-Id"]) == 32
    assert (
        client.get("/healthz", headers={"X-Request-Id": "phone-42"}).headers["X-Request-Id"]
        == "phone-42"
    )


def test_production_refuses_default_secret():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"JIEFEN_ENV": "production", "SECRET_KEY": DEFAULT_SECRET_KEY})


def test_environment_values_are_typed():
    values = from_environment({"AREA_SNAP_METERS": "150", "LOG_JSON": "false", "DATABASE_URL": "x"})
    assert values == {"AREA_SNAP_METERS": 150.0, "LOG_JSON": False, "DATABASE_URL": "x"}
