"""The retry decorator every action on a report takes (staff steps, triage, the reporter's).

A phone on a weak network sends `Idempotency-Key` with an action; sent again, the action is not
done twice and the answer is the case as it is now, with `Idempotent-Replayed: true`.
"""

from flask import request

from app.core.auth import current_user
from app.core.idempotency import idempotent, user_scope
from app.core.lookup import get_or_404
from app.reports.models import Report
from app.reports.tracking import find_by_tracking
from app.reports.tracking_keys import canonical_tracking_no


def _staff_scope() -> str:
    return user_scope(current_user().id)


def _report(*_args, report_id: int) -> Report:
    # The same user sending the same request again: they acted on it, they get it back.
    return get_or_404(Report, report_id, "report")


def _report_id(*_args, report_id: int) -> int:
    return report_id


# For a staff view `(args?, report_id)` that answers with the report.
retry_safe_step = idempotent("report", _staff_scope, _report, resource_id=_report_id)


def retry_safe_reporter_action(answer):
    """For a tracking view `(args, tracking_no)`: `answer(args, tracking_no)` rebuilds its
    answer, checking the key in the body again; keys are the case's own (scope: its number)."""

    def scope() -> str:
        return "track:" + canonical_tracking_no(request.view_args["tracking_no"])

    def resource_id(args, tracking_no: str) -> int:
        return find_by_tracking(tracking_no, args.get("key")).id

    return idempotent("report", scope, answer, resource_id=resource_id)
