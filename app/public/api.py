"""The public API: file a report without an account, follow it and answer or rate with the key."""

from flask import current_app, request
from marshmallow import ValidationError

from app.core.errors import Invalid
from app.core.idempotency import REPLAYED, REPLAYED_HEADER_DOC
from app.core.limits import body_limit
from app.core.schemas import instance_of
from app.extensions import Blueprint, db
from app.public import limits
from app.public.case_view import public_case
from app.public.errors import one_shape
from app.public.intake import Filed, PhotoUpload, Submission, file_and_commit
from app.public.reporter_actions import answer_question, rate
from app.public.schemas import (
    FeedbackSchema,
    FiledSchema,
    InfoSchema,
    PublicCaseSchema,
    PublicReportFormSchema,
    PublicReportSchema,
    TrackArgs,
)
from app.reports.retries import retry_safe_reporter_action
from app.reports.tracking import find_by_tracking

public_blp = Blueprint(
    "public",
    __name__,
    url_prefix="/api/v1/public",
    description="Reports from residents: no account, a tracking number and key in return",
)
track_blp = Blueprint(
    "track",
    __name__,
    url_prefix="/api/v1/track",
    description="A reporter following their case with its tracking number and key",
)

# Every error answer gets its Chinese sentence (app.public.errors).
public_blp.after_request(one_shape)
track_blp.after_request(one_shape)

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Instead of `client_uuid`: a retry with the same key returns the same report "
    "and tracking key",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


def _errors(blp: Blueprint, *codes: int):
    """Document the error answers a view gives (all in the smorest error shape)."""
    names = {404: "NOT_FOUND", 409: "CONFLICT", 410: "GONE", 413: "REQUEST_ENTITY_TOO_LARGE"}

    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, response=names[code])(view)
        return blp.alt_response(
            429, response="TOO_MANY_REQUESTS", description="Too Many Requests", headers=RETRY_AFTER
        )(view)

    return decorate


def tracking_url(tracking_no: str, key: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/t/{tracking_no}?key={key}"


def filed_body(filed: Filed) -> dict:
    return {
        "tracking_no": filed.tracking_no,
        "tracking_key": filed.tracking_key,
        "status": filed.status,
        "tracking_url": tracking_url(filed.tracking_no, filed.tracking_key),
    }


def _submission() -> tuple[Submission, str]:
    """The report from a JSON body or a form (with its photos), checked by the schema."""
    if request.mimetype in FORM_TYPES:
        location, raw = "form", request.form.to_dict()
    else:
        location, raw = "json", request.get_json(silent=True)
        if not isinstance(raw, dict):
            raise Invalid.field("_schema", "send a JSON object, or multipart/form-data with photos")
    try:
        args = instance_of(PublicReportSchema).load(raw)
    except ValidationError as error:
        raise Invalid("Invalid input", {location: error.messages}) from error
    photos = [
        PhotoUpload(upload.read(), upload.filename or "")
        for upload in request.files.getlist("photos")
        if upload.filename or upload.content_length
    ]
    header_key = request.headers.get("Idempotency-Key") or None
    if header_key is not None and len(header_key) > 64:
        raise Invalid.field("Idempotency-Key", "at most 64 characters", "headers")
    args["client_uuid"] = args["client_uuid"] or header_key
    return Submission(**args, photos=photos, client_address=request.remote_addr), location


@public_blp.post("/reports")
@limits.reports_per_address
@limits.reports_per_code
@public_blp.doc(
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": PublicReportSchema},
            "multipart/form-data": {"schema": PublicReportFormSchema},
        },
    },
    parameters=[IDEMPOTENCY_KEY_PARAMETER],
)
@public_blp.response(201, FiledSchema, headers=REPLAYED_HEADER_DOC)
@public_blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
@_errors(public_blp, 404, 409, 410, 413)
def post_report():
    """File a report from a scanned site code or a position: JSON, or multipart with photos."""
    submission, location = _submission()
    filed = file_and_commit(submission, location)
    return filed_body(filed), 201, {REPLAYED: "true"} if filed.replayed else {}


def _case_again(args, tracking_no: str) -> dict:
    """A retried answer or rating: the case as it is now (the key is checked again)."""
    return public_case(find_by_tracking(tracking_no, args["key"]))


@track_blp.get("/<tracking_no>")
@limits.pages_per_address
@track_blp.arguments(TrackArgs, location="query")
@track_blp.response(200, PublicCaseSchema)
@_errors(track_blp, 404)
def track(args, tracking_no: str):
    """The case's status in plain words and its public timeline (wrong key: 404)."""
    return public_case(find_by_tracking(tracking_no, args["key"]))


@track_blp.post("/<tracking_no>/feedback")
@body_limit("SMALL_BODY_MAX_BYTES")
@limits.tracking_writes_per_address
@track_blp.arguments(FeedbackSchema)
@track_blp.response(200, PublicCaseSchema, headers=REPLAYED_HEADER_DOC)
@_errors(track_blp, 404, 409)
@retry_safe_reporter_action(_case_again)
def feedback(args, tracking_no: str):
    """Rate the result once the case is resolved (once per resolution; dissatisfied reopens)."""
    report = find_by_tracking(tracking_no, args["key"])
    rate(report, args["satisfaction"], args["comment"])
    db.session.commit()
    return public_case(report)


@track_blp.post("/<tracking_no>/info")
@body_limit("SMALL_BODY_MAX_BYTES")
@limits.tracking_writes_per_address
@track_blp.arguments(InfoSchema)
@track_blp.response(200, PublicCaseSchema, headers=REPLAYED_HEADER_DOC)
@_errors(track_blp, 404, 409)
@retry_safe_reporter_action(_case_again)
def add_info(args, tracking_no: str):
    """Answer the centre's question; the case goes back into the cleaner's queue."""
    report = find_by_tracking(tracking_no, args["key"])
    answer_question(report, args["answer"])
    db.session.commit()
    return public_case(report)
