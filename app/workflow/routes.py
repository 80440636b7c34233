"""The loop over HTTP: the unit's steps, call-back, closing, supervision, deadlines."""

from flask import request

from app.audit import record_change
from app.audit.setup_subjects import policy_fields, policy_label
from app.core.auth import current_user
from app.core.idempotency import REPLAYED_HEADER_DOC
from app.core.pagination import page_schema
from app.core.plain_dump import json_response
from app.extensions import Blueprint, db
from app.lifecycle.engine import apply
from app.lifecycle.table import describe, staff_roles_for
from app.lifecycle.unit import Upload
from app.reports.models import Report
from app.reports.retries import retry_safe_step
from app.reports.schemas import ReportDetailSchema, ReportSchema
from app.workflow import handling, policies
from app.workflow.schemas import (
    AcceptSchema,
    CalendarArgs,
    CalendarDaySchema,
    CloseSchema,
    FollowUpSchema,
    NoteSchema,
    OverdueArgs,
    PolicySchema,
    PreviewArgs,
    PreviewSchema,
    ProgressForm,
    ReasonSchema,
    ResolveSchema,
    StepSchema,
)
from app.workflow.supervision import overdue_cases

OverduePage = page_schema(ReportSchema, "OverduePage")

blp = Blueprint(
    "workflow",
    __name__,
    url_prefix="/api/v1",
    description=(
        "The loop after dispatch (点派接验单): accept or return, progress, escalate through the "
        "tiers, resolve, call back, close, archive; supervision of overdue cases. Every step "
        "goes through one table of allowed transitions; any other (state, action) pair is "
        "refused with 409 naming both. Send the report's `version` to be told (409) when "
        "someone changed the case since you loaded it. Every step answers with the report as "
        "`GET /reports/<id>` shows it (timeline, photos, parties).\n\n" + describe()
    ),
)
deadlines_blp = Blueprint(
    "deadlines",
    __name__,
    url_prefix="/api/v1",
    description=(
        "Deadline policies per category and risk level (calendar hours or working days) and "
        "the working-day calendar (public holidays, 调休 make-up days). Changes apply to "
        "deadlines set afterwards."
    ),
)


def step_doc(*actions: str, roles: tuple[str, ...] | None = None):
    """The endpoint's roles and its rows of the transition table, in its OpenAPI description."""
    roles = roles or tuple(sorted({r for a in actions for r in staff_roles_for(a)}))
    return blp.doc(description=f"Roles: {', '.join(roles)}.\n\n{describe(*actions)}")


def _step(report_id: int, action: str, args: dict) -> Report:
    """Apply `action` to the caller's case with the request's input, and commit."""
    user = current_user()
    report = apply(handling.case_for(user, report_id), action, user, args)
    db.session.commit()
    return report


@blp.post("/reports/<int:report_id>/accept")
@step_doc("accept")
@blp.staff(*staff_roles_for("accept"))
@blp.arguments(AcceptSchema, required=False)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def accept(args, report_id: int):
    """签收: the unit accepts the case."""
    return _step(report_id, "accept", args)


@blp.post("/reports/<int:report_id>/return")
@step_doc("return")
@blp.staff(*staff_roles_for("return"))
@blp.arguments(ReasonSchema)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def return_case(args, report_id: int):
    """退单: not this unit's case — back to the cleaner's queue, within the return window."""
    return _step(report_id, "return", args)


@blp.post("/reports/<int:report_id>/progress")
@step_doc("progress")
@blp.staff(*staff_roles_for("progress"))
@blp.arguments(ProgressForm, location="json_or_form")
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def progress(args, report_id: int):
    """A progress note, photos, or both: JSON `{"note": …, "version": …}`, or multipart with
    `note`, `photos` and `version`."""
    photos = [Upload(file.read(), file.filename or "") for file in request.files.getlist("photos")]
    return _step(report_id, "progress", {**args, "photos": photos})


@blp.post("/reports/<int:report_id>/escalate")
@step_doc("escalate")
@blp.staff(*staff_roles_for("escalate"))
@blp.arguments(ReasonSchema)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def escalate(args, report_id: int):
    """Escalate to the next tier (community → subdistrict → district), with a reason."""
    return _step(report_id, "escalate", args)


@blp.post("/reports/<int:report_id>/resolve")
@step_doc("resolve")
@blp.staff(*staff_roles_for("resolve"))
@blp.arguments(ResolveSchema)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def resolve(args, report_id: int):
    """报结: report the outcome and a note."""
    return _step(report_id, "resolve", args)


@blp.post("/reports/<int:report_id>/follow-up")
@step_doc("follow_up")
@blp.staff(*staff_roles_for("follow_up"))
@blp.arguments(FollowUpSchema)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def follow_up(args, report_id: int):
    """回访: the call-back result; dissatisfied reopens the case (返工)."""
    return _step(report_id, "follow_up", args)


@blp.post("/reports/<int:report_id>/supervise")
@step_doc("supervise")
@blp.staff(*staff_roles_for("supervise"))
@blp.arguments(NoteSchema)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def supervise(args, report_id: int):
    """督办: a supervision note the unit sees on the case's timeline."""
    return _step(report_id, "supervise", args)


@blp.post("/reports/<int:report_id>/close")
@step_doc("close", "close_without_follow_up")
@blp.staff(*staff_roles_for("close"))
@blp.arguments(CloseSchema, required=False)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def close(args, report_id: int):
    """结案 after the call-back (`without_follow_up`: supervisor, no reporter contact)."""
    action = "close_without_follow_up" if args.get("without_follow_up") else "close"
    return _step(report_id, action, args)


@blp.post("/reports/<int:report_id>/archive")
@step_doc("archive")
@blp.staff(*staff_roles_for("archive"))
@blp.arguments(StepSchema, required=False)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def archive_case(args, report_id: int):
    """归档: the case becomes read-only."""
    return _step(report_id, "archive", args)


@blp.post("/reports/<int:report_id>/reopen")
@step_doc("reopen")
@blp.staff(*staff_roles_for("reopen"))
@blp.arguments(ReasonSchema)
@blp.response(200, ReportDetailSchema, headers=REPLAYED_HEADER_DOC)
@retry_safe_step
def reopen(args, report_id: int):
    """返工: reopen a resolved or closed case to its unit, with a reason."""
    return _step(report_id, "reopen", args)


@blp.get("/supervision/overdue")
@blp.staff("supervisor", "admin")
@blp.arguments(OverdueArgs, location="query")
@blp.response(200, OverduePage)
def overdue(args):
    """Open cases with yellow or red cards in your scope, red first, longest overdue first."""
    items, cursor = overdue_cases(
        current_user(),
        card=args["card"],
        unit_code=args["unit_code"],
        limit=args["limit"],
        cursor=args["cursor"],
    )
    return json_response(OverduePage, {"items": items, "next_cursor": cursor})


@deadlines_blp.get("/deadline-policies")
@deadlines_blp.staff("admin", "supervisor")
@deadlines_blp.response(200, PolicySchema(many=True))
def list_policies():
    """Deadline policies (a null category is the default for its risk level)."""
    return policies.list_policies()


@deadlines_blp.post("/deadline-policies")
@deadlines_blp.staff("admin")
@deadlines_blp.arguments(PolicySchema)
@deadlines_blp.response(201, PolicySchema)
def create_policy(args):
    """Add a policy for a category (or every category) at one risk level."""
    policy = policies.create_policy(args)
    record_change("deadline.update", "deadline", policy.id, policy_label(policy),
                  after=policy_fields(policy), summary="新增时限")  # fmt: skip
    db.session.commit()
    return policy


@deadlines_blp.put("/deadline-policies/<int:policy_id>")
@deadlines_blp.staff("admin")
@deadlines_blp.arguments(PolicySchema)
@deadlines_blp.response(200, PolicySchema)
def update_policy(args, policy_id: int):
    """Change a policy; cases dispatched from now on get the new deadlines."""
    before = policy_fields(policies.get_policy(policy_id))
    policy = policies.update_policy(policy_id, args)
    record_change("deadline.update", "deadline", policy.id, policy_label(policy),
                  before=before, after=policy_fields(policy))  # fmt: skip
    db.session.commit()
    return policy


@deadlines_blp.delete("/deadline-policies/<int:policy_id>")
@deadlines_blp.staff("admin")
@deadlines_blp.response(204)
def delete_policy(policy_id: int):
    """Remove a policy; its cases fall back to the next more general one."""
    policy = policies.get_policy(policy_id)
    before, label = policy_fields(policy), policy_label(policy)
    policies.delete_policy(policy_id)
    record_change("deadline.update", "deadline", policy_id, label, before=before,
                  summary="删除时限")  # fmt: skip
    db.session.commit()


@deadlines_blp.get("/deadline-policies/preview")
@deadlines_blp.staff("admin", "supervisor")
@deadlines_blp.arguments(PreviewArgs, location="query")
@deadlines_blp.response(200, PreviewSchema)
def preview(args):
    """The deadlines a case dispatched at `start` would get under the policies and calendar."""
    return policies.preview(args["category_code"], args["risk_level"], args["start"])


@deadlines_blp.get("/calendar-days")
@deadlines_blp.staff()
@deadlines_blp.arguments(CalendarArgs, location="query")
@deadlines_blp.response(200, CalendarDaySchema(many=True))
def list_calendar_days(args):
    """Exceptions to Monday–Friday working days: public holidays and 调休 make-up working days."""
    return policies.calendar_days(args["year"])


@deadlines_blp.put("/calendar-days/<day>")
@deadlines_blp.staff("admin")
@deadlines_blp.arguments(CalendarDaySchema)
@deadlines_blp.response(200, CalendarDaySchema)
def put_calendar_day(args, day: str):
    """Make a date a rest day (`holiday`) or a working day (`workday`, 调休)."""
    entry = policies.set_calendar_day(policies.parse_day(day), args["kind"], args["name"])
    record_change("calendar.update", "calendar", entry.day.isoformat(), entry.day.isoformat(),
                  after={"kind": entry.kind, "name": entry.name})  # fmt: skip
    db.session.commit()
    return entry


@deadlines_blp.delete("/calendar-days/<day>")
@deadlines_blp.staff("admin")
@deadlines_blp.response(204)
def delete_calendar_day(day: str):
    """Remove a calendar entry: the date follows the weekday rule again."""
    policies.delete_calendar_day(policies.parse_day(day))
    record_change("calendar.update", "calendar", day, day, before={"kind": "entry"},
                  after={"kind": "default"})  # fmt: skip
    db.session.commit()
