"""What a reporter sees of their case: status in plain words and the public timeline, no names."""

from dataclasses import dataclass, field
from datetime import datetime

from app.categories.models import Category
from app.extensions import db
from app.lifecycle.states import category_of
from app.public.reporter_actions import can_rate
from app.qr_sites.models import QrSite
from app.reports.models import Report, ReportEvent

STATUS_TEXT = {
    "received": "已收到，等待工作人员核实",
    "needs_info": "需要您补充情况",
    "dispatched": "已交属地单位办理",
    "accepted": "承办单位已接收",
    "in_progress": "正在处理",
    "resolved": "已办结",
    "closed": "已结案",
    "archived": "已结案",
    "rejected": "未予受理",
    "merged": "已与同一事项合并办理",
}
OUTCOME_TEXT = {
    "mediated": "调解成功",
    "agreement": "双方已达成协议",
    "referred_to_court": "已引导通过诉讼途径解决",
    "unresolvable": "经调处未能化解",
    "withdrawn": "已撤回",
}
SATISFACTION_TEXT = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
}
# Steps of the case itself (not of one reporter): a merged report's reporter sees these of the
# surviving report, never its questions, answers or ratings, which belong to someone else.
CASE_ACTIONS = frozenset(
    {
        "dispatch",
        "accept",
        "progress",
        "mediate",
        "escalate",
        "resolve",
        "reopen",
        "close",
        "archive",
    }
)
FIXED_SENTENCES = {
    "created": "您的反映已提交",
    "add_info": "已补充情况，等待工作人员核实",
    "dispatch": "已交属地单位办理",
    "accept": "承办单位已接收，正在处理",
    "progress": "承办单位正在处理",
    "escalate": "已提请上级单位协调处理",
    "resolve": "承办单位已办结",
    "reopen": "已重新交办，继续处理",
    "close": "事项已结案",
    "merge": "您反映的事项此前已有人反映，现合并办理，进展见本页",
    "archive": "已归档",
}
# A mediation session as the reporter reads it: that it took place and its result, no names.
SESSION_RESULT_TEXT = {
    "agreement": "双方达成调解协议",
    "partial": "部分事项达成一致，继续调解",
    "no_agreement": "暂未达成一致，继续调解",
    "absent": "当事人未到场，另行安排调解",
}
MAX_MERGE_HOPS = 10


@dataclass
class TimelineEntry:
    at: datetime
    action: str
    text: str


@dataclass
class PublicCase:
    report: Report
    tracking_no: str
    status: str
    status_text: str
    case_status: str
    case_status_text: str
    merged: bool
    description: str
    category_name: str | None
    site_name: str | None
    created_at: datetime
    updated_at: datetime
    question: str | None
    can_answer: bool
    can_rate: bool
    satisfaction: str | None
    satisfaction_text: str | None
    outcome_text: str | None
    timeline: list[TimelineEntry] = field(default_factory=list)


def sentence(event: ReportEvent) -> str | None:
    """One event in words a resident understands; None for steps they need not see."""
    reason = (event.reason or "").strip()
    if event.action == "need_info":
        return f"工作人员需要您补充情况：{reason}" if reason else "工作人员需要您补充情况"
    if event.action == "reject":
        return "很抱歉，您的反映未予受理。" + (f"说明：{reason}" if reason else "")
    if event.action == "follow_up":
        said = SATISFACTION_TEXT.get((event.payload or {}).get("satisfaction"))
        return f"已回访，评价：{said}" if said else "已回访"
    if event.action == "mediate":
        said = SESSION_RESULT_TEXT.get((event.payload or {}).get("result"))
        return f"已组织调解，{said}" if said else "已组织调解"
    return FIXED_SENTENCES.get(event.action)


def _entries(events: list[ReportEvent], actions: frozenset[str] | None = None):
    for event in events:
        if not event.public or (actions is not None and event.action not in actions):
            continue
        text = sentence(event)
        if text:
            yield TimelineEntry(event.created_at, event.action, text)


def surviving_case(report: Report) -> Report:
    """The report a merged one was folded into (following chains), or the report itself."""
    current, seen = report, {report.id}
    while current.status == "merged" and current.duplicate_of and len(seen) <= MAX_MERGE_HOPS:
        survivor = db.session.get(Report, current.duplicate_of)
        if survivor is None or survivor.id in seen:
            break
        current = survivor
        seen.add(current.id)
    return current


def _latest_question(report: Report) -> str | None:
    asked = [e for e in report.events if e.action == "need_info" and (e.reason or "").strip()]
    return asked[-1].reason.strip() if asked else None


def public_case(report: Report) -> PublicCase:
    case = surviving_case(report)
    merged = case is not report
    timeline = list(_entries(report.events))
    if merged:
        timeline += _entries(case.events, CASE_ACTIONS)
        timeline.sort(key=lambda entry: entry.at)
    category = db.session.get(Category, report.category_code) if report.category_code else None
    site = db.session.get(QrSite, report.qr_site_id) if report.qr_site_id else None
    case_text = STATUS_TEXT.get(case.status, case.status)
    # A question is open while the report waits for the reporter's answer.
    asked = report.status in ("needs_info",)
    return PublicCase(
        report=report,
        tracking_no=report.tracking_no,
        status=report.status,
        status_text=f"{STATUS_TEXT['merged']}（{case_text}）" if merged else case_text,
        case_status=case.status,
        case_status_text=case_text,
        merged=merged,
        description=report.description,
        category_name=category.name if category else None,
        site_name=site.name if site else None,
        created_at=report.created_at,
        updated_at=max(report.updated_at, case.updated_at),
        question=_latest_question(report) if asked else None,
        can_answer=asked,
        can_rate=can_rate(report),
        satisfaction=report.satisfaction,
        satisfaction_text=SATISFACTION_TEXT.get(report.satisfaction or ""),
        outcome_text=OUTCOME_TEXT.get(case.outcome or "")
        if category_of(case.status) in ("finished", "terminal")
        else None,
        timeline=timeline,
    )
