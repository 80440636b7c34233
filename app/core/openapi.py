"""What the OpenAPI document needs so that generated clients work (openapi-python-client and
the like), added where apispec's defaults fall short:

* every operation has an `operationId`: the view's function name, unique across the API
  (checked here), so client method names do not change when a path or summary does;
* a nullable enum lists `null` among its values (a report's `risk_level` before triage), or a
  strict client refuses the answer;
* a nullable nested object is `allOf: [{$ref}]` with `nullable`, not apispec's `anyOf` with a
  bare "any object" first, which generators take as an untyped dict;
* operations the rate limiter guards (those that answer 429) document its headers.
"""

from typing import Any

from apispec import BasePlugin

RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "requests allowed in the current window (the tightest limit that applies)",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "requests left in the current window",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Reset": {
        "description": "when the window ends (Unix time, seconds)",
        "schema": {"type": "integer"},
    },
}
RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


class ClientFriendlySpec(BasePlugin):
    """Operation ids and the rate limiter's headers, added as each path is documented."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        methods = [m for m in operations if m in HTTP_METHODS]
        for method in methods:
            operation = operations[method]
            name = rule.endpoint.rsplit(".", 1)[-1]
            operation_id = operation.setdefault(
                "operationId", name if len(methods) == 1 else f"{name}_{method}"
            )
            where = f"{method.upper()} {path}"
            if self.seen.setdefault(operation_id, where) != where:
                raise ValueError(
                    f"operationId {operation_id!r} is used by {self.seen[operation_id]} and {where}"
                )
            _document_rate_limits(operation)


def _document_rate_limits(operation: dict) -> None:
    responses = operation.get("responses", {})
    if "429" not in responses and 429 not in responses:
        return
    for code, response in responses.items():
        if not isinstance(response, dict) or "$ref" in response:
            continue
        headers = response.setdefault("headers", {})
        if str(code).startswith("2") or str(code) == "429":
            for name, header in RATE_LIMIT_HEADERS.items():
                headers.setdefault(name, header)
        if str(code) == "429":
            headers.setdefault("Retry-After", RETRY_AFTER_HEADER["Retry-After"])


def nullable_for_clients(self, field, ret: dict, **kwargs: Any) -> dict:
    """An apispec attribute function, run after apispec's own on every field (see module doc)."""
    if not field.allow_none:
        return {}
    if "enum" in ret:
        if None not in ret["enum"]:
            ret["enum"] = [*ret["enum"], None]
        # With a `type` beside the null, generators split the enum into a union of three
        # copies of it; without, a nullable enum is exactly "one of these or null".
        ret.pop("type", None)
    any_of = ret.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2:
        specific = [s for s in any_of if s != {"type": "object", "nullable": True}]
        if len(specific) == 1:
            del ret["anyOf"]
            ret["allOf"] = specific
            ret["nullable"] = True
    return {}
