"""Every write the retry decorator guards shows its headers in the OpenAPI document."""

import pytest


@pytest.mark.dialects("sqlite")
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/reports/{report_id}/accept", "200"),
        ("/api/v1/reports/{report_id}/progress", "200"),
        ("/api/v1/reports/{report_id}/resolve", "200"),
        ("/api/v1/reports/{report_id}/follow-up", "200"),
        ("/api/v1/reports/{report_id}/triage", "200"),
        ("/api/v1/track/{tracking_no}/feedback", "200"),
        ("/api/v1/track/{tracking_no}/info", "200"),
        ("/api/v1/public/reports", "201"),
        ("/api/v1/reports", "201"),
    ],
)
def test_retry_safe_writes_document_the_key_and_the_replay_header(client, path, status):
    operation = client.get("/api/v1/openapi.json").json["paths"][path]["post"]
    assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])]
    assert "Idempotent-Replayed" in operation["responses"][status].get("headers", {})
