"""What a reporter can do with a tracking number and key: answer a question, rate the result."""

from app.core.errors import Conflict, Invalid
from app.lifecycle.engine import REPORTER, apply
from app.public.errors import field_errors_zh
from app.public.intake import text_problem
from app.reports.models import SATISFACTIONS, Report

MAX_ANSWER = 2000
MAX_COMMENT = 500


class ReporterConflict(Conflict):
    """The case is not in a state for this; `chinese` says so to the resident."""

    def __init__(self, message: str, chinese: str):
        super().__init__(message, {"message_zh": chinese})
        self.chinese = chinese


def _invalid(name: str, english: str, chinese: str) -> Invalid:
    return Invalid(
        f"{name}: {english}", {"json": {name: [english]}, **field_errors_zh({name: [chinese]})}
    )


def can_rate(report: Report) -> bool:
    """Resolved, and not yet rated (by the reporter or a call-back) since it was resolved."""
    if report.status != "resolved":
        return False
    if report.followed_up_at is None:
        return True
    return report.resolved_at is not None and report.followed_up_at < report.resolved_at


def rate(report: Report, satisfaction: str, comment: str | None = None) -> None:
    """The reporter's own rating (online 回访); dissatisfied sends the case back to its unit."""
    if satisfaction not in SATISFACTIONS:
        raise _invalid("satisfaction", f"must be one of {', '.join(SATISFACTIONS)}", "请选择评价")
    comment = (comment or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise _invalid(
            "comment", f"at most {MAX_COMMENT} characters", f"请不要超过 {MAX_COMMENT} 字"
        )
    if report.status != "resolved":
        raise ReporterConflict(
            f"the case is {report.status}; it can be rated once it is resolved",
            "事项办结后才能评价",
        )
    if not can_rate(report):
        raise ReporterConflict("this result was already rated", "此次办理结果已经评价过了")
    data = {"satisfaction": satisfaction, "method": "online", "note": comment}
    apply(report, "follow_up", REPORTER, data)


def answer_question(report: Report, answer: str) -> None:
    """The reporter's answer to the cleaner's question: back into the cleaner's queue."""
    answer = (answer or "").strip()
    problem = text_problem(answer, MAX_ANSWER)
    if problem:
        raise _invalid("answer", problem[0], "请填写补充的情况" if not answer else problem[1])
    if report.status != "needs_info":
        raise ReporterConflict(
            f"the case is {report.status}; nothing was asked", "目前不需要补充情况"
        )
    apply(report, "add_info", REPORTER, {"answer": answer})
