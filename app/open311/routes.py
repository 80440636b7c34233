"""Open311 GeoReport v2 under /open311/v2 (XML or JSON by suffix), and its keys under /api/v1."""

from flask import Blueprint as FlaskBlueprint
from flask import Response, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from app.core.auth import current_user
from app.core.errors import DomainError
from app.core.pagination import CursorArgs, page_by_id, page_schema
from app.extensions import Blueprint, db
from app.open311 import catalogue, filing, keys, published
from app.open311.limits import posts_per_key, reads_per_address, request_key
from app.open311.models import Open311Key
from app.open311.render import FORMATS, error_response, respond, split_format
from app.open311.schemas import KeyCreatedSchema, KeyCreateSchema, KeySchema, KeyUpdateSchema

blp = Blueprint(
    "open311",
    __name__,
    url_prefix="/open311/v2",
    description=(
        "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2): any Open311 client can "
        "list our categories, file a report and follow it. Each resource in XML (`.xml`, the "
        "default) or JSON (`.json`); errors are GeoReport's `errors` list of `code` and "
        "`description`. Service codes may contain dots: the format follows the last one."
    ),
)
keys_blp = Blueprint(
    "open311_keys",
    __name__,
    url_prefix="/api/v1/open311/keys",
    description="The api_keys of Open311 client applications (admin): issue, list, change, revoke.",
)
# Any other path under /open311/v2 answers in GeoReport's error format, not ours.
fallback = FlaskBlueprint("open311_fallback", __name__, url_prefix="/open311/v2")

FORMAT = {
    "in": "path",
    "name": "fmt",
    "required": True,
    "schema": {"type": "string", "enum": list(FORMATS)},
}
BOTH = {"text/xml": {"schema": {"type": "string"}}, "application/json": {"schema": {}}}
STATUS_PHRASES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests"}


def _query(name: str, description: str, **schema) -> dict:
    return {
        "in": "query",
        "name": name,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _doc(summary: str, description: str, *errors: int, parameters=(), **extra):
    """OpenAPI for a GeoReport view: both formats on success, the errors it can give."""
    responses = {200: {"description": "OK", "content": BOTH}}
    # 404 everywhere: a format other than xml or json is not a resource we have.
    for code in sorted({*errors, 404, 429}):
        responses[code] = {
            "description": f"{STATUS_PHRASES[code]}: GeoReport `errors` list",
            "content": BOTH,
        }
    return blp.doc(
        summary=summary, description=description, parameters=list(parameters),
        responses=responses, **extra,
    )  # fmt: skip


def _format() -> str:
    """The format the client asked for, so that even an error answers in it."""
    args = request.view_args or {}
    if args.get("fmt") in FORMATS:
        return args["fmt"]
    for name in ("service_file", "request_file", "token_file", "anything"):
        if name in args:
            return split_format(args[name])[1]
    return split_format(request.path)[1]


def _checked(fmt: str) -> str:
    if fmt not in FORMATS:
        raise _UnknownFormat(fmt)
    return fmt


class _UnknownFormat(DomainError):
    status_code = 404

    def __init__(self, fmt: str):
        super().__init__(f"format: {fmt} is not offered; use .xml or .json")


def _status_for(error: DomainError) -> int:
    # The standard's validation errors are 400; ours (422) say the same with another number.
    status = int(error.status_code)
    return 400 if status == 422 else status


@blp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    return error_response(_format(), _status_for(error), error.message)


@blp.errorhandler(HTTPException)
@fallback.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    response = error_response(_format(), error.code or 500, error.description or error.name)
    if error.code == 429:
        retry = error.get_response().headers.get("Retry-After")
        if retry:
            response.headers["Retry-After"] = retry
    return response


@fallback.route("/<path:anything>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def no_such_resource(anything: str) -> Response:
    fmt = split_format(anything)[1]
    if request.method not in ("GET", "POST"):
        # Every GeoReport resource is read with GET, and requests are posted: nothing else.
        response = error_response(fmt, 405, f"{request.method} is not a GeoReport method")
        response.headers["Allow"] = "GET, POST"
        return response
    return error_response(fmt, 404, f"no resource {anything} here")


@blp.route("/discovery.<fmt>", methods=["GET"])
@reads_per_address
@_doc(
    "Service discovery",
    "`discovery` with `changeset`, `contact`, `key_service` and `endpoints` (each with "
    "`specification`, `url`, `changeset`, `type`, `formats`).",
    parameters=[FORMAT],
)
def discovery(fmt: str):
    """Service discovery."""
    return respond(_checked(fmt), "discovery", catalogue.discovery())


@blp.route("/services.<fmt>", methods=["GET"])
@reads_per_address
@_doc(
    "Service list",
    "One `service` per active category: `service_code` (the category code), `service_name`, "
    "`description`, `metadata`, `type` (realtime), `keywords`, `group` (the parent category).",
    404,
    parameters=[FORMAT, _query("jurisdiction_id", "the district's area code (optional)")],
)
def services(fmt: str):
    """Service list."""
    fmt = _checked(fmt)
    filing.check_jurisdiction(request.args.get("jurisdiction_id"))
    return respond(fmt, "services", catalogue.services())


@blp.route("/services/<path:service_file>", methods=["GET"])
@reads_per_address
@_doc(
    "Service definition",
    "`service_definition`: the category's questions as `attributes` (`variable`, `code`, "
    "`datatype`, `required`, `datatype_description`, `order`, `description`, `values`). "
    "Path: `{service_code}.{xml|json}`.",
    404,
    parameters=[_query("jurisdiction_id", "the district's area code (optional)")],
)
def service_definition(service_file: str):
    """Service definition."""
    code, fmt = split_format(service_file)
    filing.check_jurisdiction(request.args.get("jurisdiction_id"))
    return respond(fmt, "service_definition", catalogue.definition(code))


@blp.route("/requests.<fmt>", methods=["POST"])
@posts_per_key
@_doc(
    "Post a service request",
    "Form-encoded: `api_key` (required), `jurisdiction_id`, `service_code`, `lat`+`long` (WGS84) "
    "or `address_string`, `attribute[code]` (`attribute[code][]` for each value of a "
    "multivaluelist), `email`, `device_id`, `account_id`, `first_name`, `last_name`, `phone`, "
    "`description`, `media_url`. Answers `service_requests` with `service_request_id`, "
    "`service_notice` and `account_id`, or `token` for keys set to asynchronous.",
    400, 403, 404,
    parameters=[FORMAT],
    requestBody={
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
    },
)  # fmt: skip
def post_request(fmt: str):
    """Post a service request."""
    fmt = _checked(fmt)
    key = request_key()
    if key is None:
        raised = request.form.get("api_key")
        return error_response(
            fmt, 403 if raised else 400,
            "api_key is invalid or revoked" if raised else "api_key: is required",
        )  # fmt: skip
    filed = filing.file_request(key, request.form, request.remote_addr)
    answer = filing.filed_answer(filed, key)
    db.session.commit()
    return respond(fmt, "service_requests", answer)


@blp.route("/requests.<fmt>", methods=["GET"])
@reads_per_address
@_doc(
    "Get service requests",
    "Public fields only. `service_request_id` (comma list; overrides the other filters), "
    "`service_code` (comma list), `start_date`, `end_date` (W3C times, at most 90 days apart; "
    "by default the last 90 days), `status` (open, closed). At most 1,000, newest first.",
    400,
    404,
    parameters=[
        FORMAT,
        _query("service_request_id", "tracking numbers, comma-separated"),
        _query("service_code", "comma-separated"),
        _query("start_date", "W3C date-time", format="date-time"),
        _query("end_date", "W3C date-time", format="date-time"),
        _query("status", "open, closed or both comma-separated"),
        _query("jurisdiction_id", "the district's area code (optional)"),
    ],
)
def get_requests(fmt: str):
    """Get service requests."""
    fmt = _checked(fmt)
    filing.check_jurisdiction(request.args.get("jurisdiction_id"))
    query = published.read_query(request.args)
    return respond(
        fmt, "service_requests", published.public_requests(published.find_requests(query))
    )


@blp.route("/requests/<path:request_file>", methods=["GET"])
@reads_per_address
@_doc(
    "Get one service request",
    "A one-element `service_requests` list, as clients expect. Path: "
    "`{service_request_id}.{xml|json}`.",
    404,
)
def get_request(request_file: str):
    """Get one service request."""
    service_request_id, fmt = split_format(request_file)
    found = published.find_one(service_request_id)
    return respond(fmt, "service_requests", published.public_requests([found]))


@blp.route("/tokens/<path:token_file>", methods=["GET"])
@reads_per_address
@_doc(
    "Service request id from a token",
    "For keys set to asynchronous: `service_requests` with `service_request_id` and `token`. "
    "Path: `{token}.{xml|json}`.",
    404,
)
def token(token_file: str):
    """Service request id from a token."""
    value, fmt = split_format(token_file)
    return respond(fmt, "service_requests", filing.token_answer(value))


@keys_blp.post("")
@keys_blp.staff("admin")
@keys_blp.arguments(KeyCreateSchema)
@keys_blp.response(201, KeyCreatedSchema)
def create_key(args):
    """Issue an api_key to a client application; the key is in this answer only."""
    key, secret = keys.issue_key(
        args["name"],
        rate_limit=args["rate_limit"],
        area_code=args["area_code"],
        asynchronous=args["asynchronous"],
        created_by=current_user(),
    )
    key.api_key = secret  # a plain attribute, never stored: the answer's only copy
    db.session.commit()
    return key


@keys_blp.get("")
@keys_blp.staff("admin")
@keys_blp.arguments(CursorArgs, location="query")
@keys_blp.response(200, page_schema(KeySchema, "Open311KeyPage"))
def list_keys(args):
    """List the keys, newest first (active and revoked)."""
    items, cursor = page_by_id(select(Open311Key), Open311Key.id, args["limit"], args["cursor"])
    return {"items": items, "next_cursor": cursor}


@keys_blp.get("/<int:key_id>")
@keys_blp.staff("admin")
@keys_blp.response(200, KeySchema)
def get_key(key_id):
    """One key (never its secret)."""
    return keys.get_key(key_id)


@keys_blp.patch("/<int:key_id>")
@keys_blp.staff("admin")
@keys_blp.arguments(KeyUpdateSchema)
@keys_blp.response(200, KeySchema)
def update_key(args, key_id):
    """Change a key's rate limit, area scope or asynchronous answers."""
    key = keys.update_key(key_id, **args)
    db.session.commit()
    return key


@keys_blp.post("/<int:key_id>/revoke")
@keys_blp.staff("admin")
@keys_blp.response(200, KeySchema)
def revoke_key(key_id):
    """Revoke a key: it stops working at once."""
    key = keys.revoke_key(key_id)
    db.session.commit()
    return key
