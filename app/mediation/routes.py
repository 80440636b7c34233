"""Mediation over HTTP: sessions on a case, and the attempt rule admins keep."""

from flask import Response
from sqlalchemy import select

from app.core.auth import current_user
from app.core.errors import NotFound
from app.core.lookup import get_or_404
from app.extensions import Blueprint, db
from app.lifecycle.engine import apply
from app.lifecycle.policy import report_for
from app.lifecycle.table import describe, staff_roles_for
from app.mediation import documents, policies
from app.mediation.models import CasePart, MediationSession
from app.mediation.parts import parts_of
from app.mediation.rule import attempt_status
from app.mediation.schemas import (
    MediationPolicySchema,
    PartNoteSchema,
    PartReasonSchema,
    PartReportSchema,
    PartSchema,
    SessionInSchema,
    SessionListSchema,
    SessionSchema,
    SummonsInSchema,
)
from app.workflow.handling import case_for

blp = Blueprint(
    "mediation",
    __name__,
    url_prefix="/api/v1",
    description=(
        "调解: mediation sessions on a case (each is the lifecycle action `mediate`, on the "
        "timeline; the reporter reads only that a session took place and its result), and the "
        "three-tier attempt rule (三级调解): at each tier at most `max_sessions` sessions within "
        "`within_days` days of the first; a tier that used them without agreement is offered "
        "for escalation and the sweep escalates it after MEDIATION_GRACE_HOURS.\n\n"
        + "\n\nJoint handling (联调联处): dispatch with `co_unit_codes`; each co-unit accepts, "
        "reports or is released from its part; the lead resolves only when none is open. "
        "吹哨报到: the unit holding the case summons departments; each acknowledges (报到) and "
        "reports by `due_at`, or its part turns yellow, then red.\n\n"
        + describe("mediate", "summon", "acknowledge", "report_part", "release")
    ),
)


def _sessions(report_id: int) -> list[MediationSession]:
    return list(
        db.session.scalars(
            select(MediationSession)
            .where(MediationSession.report_id == report_id)
            .order_by(MediationSession.held_at, MediationSession.id)
        )
    )


@blp.post("/reports/<int:report_id>/sessions")
@blp.staff(*staff_roles_for("mediate"))
@blp.arguments(SessionInSchema)
@blp.response(201, SessionSchema)
def add_session(args, report_id: int):
    """Record a mediation session (the unit holding the case, the centre's cleaner or a
    supervisor). With `agreement` or `partial`, `terms` are required."""
    user = current_user()
    report = apply(case_for(user, report_id), "mediate", user, args)
    db.session.commit()
    return db.session.scalars(
        select(MediationSession)
        .where(MediationSession.report_id == report.id)
        .order_by(MediationSession.id.desc())
    ).first()


@blp.get("/reports/<int:report_id>/sessions")
@blp.staff()
@blp.response(200, SessionListSchema)
def list_sessions(report_id: int):
    """The case's sessions, oldest first, and where it stands under the attempt rule."""
    report = report_for(current_user(), report_id)
    status = attempt_status(report)
    return {"items": _sessions(report.id), "attempts": status.as_dict() if status else None}


@blp.get("/mediation-policies")
@blp.staff()
@blp.response(200, MediationPolicySchema(many=True))
def get_policies():
    """The attempt rule per tier (and per category where set); `source: default` is built in."""
    return policies.effective_policies()


@blp.put("/mediation-policies")
@blp.staff("admin")
@blp.arguments(MediationPolicySchema(many=True))
@blp.response(200, MediationPolicySchema(many=True))
def put_policies(args):
    """Replace the attempt rule: the list given becomes the stored rules. Applies at once to
    every case under mediation (the rule is read, not copied onto cases)."""
    result = policies.replace_policies(args)
    db.session.commit()
    return result


@blp.get("/reports/<int:report_id>/parts")
@blp.staff()
@blp.response(200, PartSchema(many=True))
def list_parts(report_id: int):
    """Co-unit parts and summons of the case, with their state, deadline and card."""
    report = report_for(current_user(), report_id)
    return parts_of(report.id)


@blp.post("/reports/<int:report_id>/summons")
@blp.staff(*staff_roles_for("summon"))
@blp.arguments(SummonsInSchema)
@blp.response(201, PartSchema(many=True))
def post_summons(args, report_id: int):
    """吹哨: summon departments to the case with a reason and a time limit (`due_at`)."""
    user = current_user()
    report = apply(case_for(user, report_id), "summon", user, args)
    db.session.commit()
    summoned = len(set(args["unit_codes"]))
    return parts_of(report.id, "summons")[-summoned:]


def _part_step(part_id: int, kind: str | None, action: str, args: dict) -> CasePart:
    name = {"summons": "summons", "co_unit": "co-unit part"}.get(kind or "", "part")
    part = get_or_404(CasePart, part_id, name)
    if kind and part.kind != kind:
        raise NotFound(f"no {name} {part_id}")
    user = current_user()
    apply(case_for(user, part.report_id), action, user, {**args, "part_id": part.id})
    db.session.commit()
    return part


@blp.post("/summons/<int:part_id>/acknowledge")
@blp.staff(*staff_roles_for("acknowledge"))
@blp.arguments(PartNoteSchema, required=False)
@blp.response(200, PartSchema)
def acknowledge_summons(args, part_id: int):
    """报到: the summoned unit acknowledges the summons."""
    return _part_step(part_id, "summons", "acknowledge", args)


@blp.post("/summons/<int:part_id>/report")
@blp.staff(*staff_roles_for("report_part"))
@blp.arguments(PartReportSchema)
@blp.response(200, PartSchema)
def report_summons(args, part_id: int):
    """The summoned unit's report of what it did (after 报到)."""
    return _part_step(part_id, "summons", "report_part", args)


@blp.post("/co-unit-parts/<int:part_id>/accept")
@blp.staff(*staff_roles_for("acknowledge"))
@blp.arguments(PartNoteSchema, required=False)
@blp.response(200, PartSchema)
def accept_part(args, part_id: int):
    """The co-unit (协办) accepts its part of a joint case."""
    return _part_step(part_id, "co_unit", "acknowledge", args)


@blp.post("/co-unit-parts/<int:part_id>/report")
@blp.staff(*staff_roles_for("report_part"))
@blp.arguments(PartReportSchema)
@blp.response(200, PartSchema)
def report_part(args, part_id: int):
    """The co-unit reports its part done."""
    return _part_step(part_id, "co_unit", "report_part", args)


@blp.post("/parts/<int:part_id>/release")
@blp.staff(*staff_roles_for("release"))
@blp.arguments(PartReasonSchema)
@blp.response(200, PartSchema)
def release_part(args, part_id: int):
    """The lead unit (or the centre) releases a co-unit or summoned unit, with a reason."""
    return _part_step(part_id, None, "release", args)


DOCUMENT_ROLES = ("responder", "cleaner", "supervisor", "admin")


def _pdf(data: bytes, name: str) -> Response:
    # Personal data: never cached by a proxy, downloaded rather than shown inline by name.
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store",
    })  # fmt: skip


@blp.get("/reports/<int:report_id>/documents/agreement.pdf")
@blp.staff(*DOCUMENT_ROLES)
@blp.response(200, content_type="application/pdf")
def agreement_document(report_id: int):
    """人民调解协议书 from the case's latest session with an agreement (409 without one)."""
    user = current_user()
    report = report_for(user, report_id)
    return _pdf(documents.agreement_pdf(report, user), f"agreement-{report.tracking_no}.pdf")


@blp.get("/reports/<int:report_id>/documents/minutes/<int:session_id>.pdf")
@blp.staff(*DOCUMENT_ROLES)
@blp.response(200, content_type="application/pdf")
def minutes_document(report_id: int, session_id: int):
    """调解笔录 of one session."""
    report = report_for(current_user(), report_id)
    return _pdf(documents.minutes_pdf(report, session_id), f"minutes-{session_id}.pdf")


@blp.get("/reports/<int:report_id>/documents/referral.pdf")
@blp.staff(*DOCUMENT_ROLES)
@blp.response(200, content_type="application/pdf")
def referral_document(report_id: int):
    """司法确认 referral package: the case summary, its timeline and the agreement."""
    user = current_user()
    report = report_for(user, report_id)
    return _pdf(documents.referral_pdf(report, user), f"referral-{report.tracking_no}.pdf")
