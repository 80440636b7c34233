"""The paperwork of a mediation, as PDF in Chinese: 人民调解协议书, 调解笔录, and the package
for judicial confirmation (司法确认). Drawn with the CJK font the posters use (found at start-up),
as real text, so the files can be searched and read aloud. Generated on request from the
record, so a document always matches the case; only staff who may see the case get one.

The agreement follows the usual structure of the form used under the People's Mediation Law
(人民调解法 第二十九条): the parties with their identity details, the main facts and the matter
in dispute, the terms agreed, how and by when they are carried out, a signature and date line
for each party and for the mediator, and the mediation committee.
"""

from datetime import datetime

from flask import current_app
from fpdf import FPDF
from sqlalchemy import select

from app.accounts.models import User
from app.core.clock import in_shanghai
from app.core.errors import Conflict, NotFound
from app.core.privacy import mask_phone
from app.extensions import db
from app.mediation.models import RESULT_NAMES, MediationSession
from app.reports.models import Report
from app.reports.schemas import shows_phones
from app.units.models import Unit

SIGNATURE = "＿＿＿＿＿＿＿＿"
DATE_LINE = "＿＿＿＿年＿＿月＿＿日"
ACTION_NAMES = {
    "created": "受理", "dispatch": "分流交办", "accept": "签收", "progress": "处置进展",
    "mediate": "调解", "escalate": "提级", "resolve": "办结", "summon": "吹哨报到",
    "acknowledge": "报到/接收", "report_part": "协办报告", "release": "解除协办",
    "follow_up": "回访", "reopen": "返工", "close": "结案", "archive": "归档",
}  # fmt: skip


def _day(moment: datetime | None) -> str:
    return f"{in_shanghai(moment):%Y年%m月%d日}" if moment else DATE_LINE


def _minute(moment: datetime | None) -> str:
    return f"{in_shanghai(moment):%Y年%m月%d日 %H:%M}" if moment else ""


class Paper(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        self.add_font("cjk", fname=current_app.extensions["cjk_font"])
        self.set_margins(22, 20, 22)
        self.set_auto_page_break(True, 20)

    def title_page(self, title: str, number: str) -> None:
        self.add_page()
        self.set_font("cjk", size=20)
        self.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=10)
        self.cell(0, 8, f"编号：{number}", align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def heading(self, text: str) -> None:
        self.ln(2)
        self.set_font("cjk", size=13)
        self.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")

    def para(self, text: str, size: int = 11) -> None:
        self.set_font("cjk", size=size)
        self.multi_cell(0, 7, text or "（无）", new_x="LMARGIN", new_y="NEXT")

    def signature(self, who: str) -> None:
        self.set_font("cjk", size=11)
        self.multi_cell(0, 10, f"{who}（签名）：{SIGNATURE}    日期：{DATE_LINE}",
                        new_x="LMARGIN", new_y="NEXT")  # fmt: skip


def agreed_session(report: Report) -> MediationSession:
    """The latest session with an agreement: the one the agreement writes down."""
    session = db.session.scalars(
        select(MediationSession)
        .where(MediationSession.report_id == report.id, MediationSession.result == "agreement")
        .order_by(MediationSession.held_at.desc(), MediationSession.id.desc())
    ).first()
    if session is None:
        raise Conflict(
            f"report {report.id} has no mediation session with an agreement; record one first",
            {"json": {"result": ["no agreement on record"]}},
        )
    return session


def session_of(report: Report, session_id: int) -> MediationSession:
    session = db.session.get(MediationSession, session_id)
    if session is None or session.report_id != report.id:
        raise NotFound(f"no session {session_id} on report {report.id}")
    return session


def _committee(session: MediationSession) -> str:
    unit = db.session.scalar(select(Unit).where(Unit.code == session.unit_code))
    name = unit.name if unit else "人民调解委员会"
    return name if "调" in name else f"{name}人民调解委员会"


def _parties(report: Report, session: MediationSession, viewer: User) -> list[str]:
    """Each party with the identity details entered at intake; those present, by name."""
    lines, named = [], set()
    for party in report.parties:
        phone = party.phone if shows_phones(viewer) else mask_phone(party.phone)
        lines.append(f"{party.role}：{party.name}" + (f"，联系电话：{phone}" if phone else ""))
        named.add(party.name)
    for name in session.parties_present:
        if name not in named:
            lines.append(f"当事人：{name}")
    return lines


def _party_names(report: Report, session: MediationSession) -> list[str]:
    names = [p.name for p in report.parties]
    return names + [n for n in session.parties_present if n not in names]


def _agreement(pdf: Paper, report: Report, session: MediationSession, viewer: User) -> None:
    pdf.title_page("人民调解协议书", report.tracking_no)
    pdf.heading("当事人")
    for line in _parties(report, session, viewer) or ["（未登记）"]:
        pdf.para(line)
    pdf.heading("纠纷主要事实、争议事项")
    pdf.para(report.description)
    pdf.heading("经调解，当事人自愿达成如下协议")
    pdf.para(session.terms or "")
    pdf.heading("履行方式、时限")
    pdf.para(session.performance or "＿" * 30)
    pdf.ln(2)
    pdf.para("本协议经各方当事人签名、人民调解员签名并加盖人民调解委员会印章后生效。"
             "本协议一式三份，当事人各执一份，人民调解委员会留存一份。当事人可以自本协议生效"
             "之日起三十日内共同向人民法院申请司法确认。")  # fmt: skip
    pdf.ln(4)
    for name in _party_names(report, session) or ["当事人"]:
        pdf.signature(f"当事人 {name}")
    for name in session.mediators:
        pdf.signature(f"人民调解员 {name}")
    pdf.ln(2)
    pdf.para(f"{_committee(session)}（盖章）")
    pdf.para(f"调解日期：{_day(session.held_at)}    调解地点：{session.place}")


def _minutes(pdf: Paper, report: Report, session: MediationSession) -> None:
    pdf.title_page("调解笔录", f"{report.tracking_no}-{session.id}")
    pdf.para(f"时间：{_minute(session.held_at)}")
    pdf.para(f"地点：{session.place}" + ("（线上）" if session.online else ""))
    pdf.para(f"调解员：{'、'.join(session.mediators)}")
    pdf.para(f"到场当事人：{'、'.join(session.parties_present) or '当事人未到场'}")
    pdf.para(f"调解组织：{_committee(session)}")
    pdf.heading("纠纷事项")
    pdf.para(report.description)
    pdf.heading("调解方案")
    pdf.para(session.proposal or "")
    pdf.heading("调解结果")
    pdf.para(RESULT_NAMES[session.result] + (f"：{session.terms}" if session.terms else ""))
    if session.performance:
        pdf.para(f"履行方式、时限：{session.performance}")
    pdf.heading("其他情况及下一步")
    pdf.para("；".join(x for x in (session.note, session.next_step) if x) or "")
    pdf.ln(4)
    for name in session.parties_present:
        pdf.signature(f"当事人 {name}")
    for name in session.mediators:
        pdf.signature(f"调解员 {name}")
    pdf.signature("记录人")


def agreement_pdf(report: Report, viewer: User) -> bytes:
    pdf = Paper()
    _agreement(pdf, report, agreed_session(report), viewer)
    return bytes(pdf.output())


def minutes_pdf(report: Report, session_id: int) -> bytes:
    pdf = Paper()
    _minutes(pdf, report, session_of(report, session_id))
    return bytes(pdf.output())


def referral_pdf(report: Report, viewer: User) -> bytes:
    """司法确认 referral: the agreement, the case summary and its timeline, in one file."""
    session = agreed_session(report)
    pdf = Paper()
    pdf.title_page("司法确认申请材料", report.tracking_no)
    pdf.para("材料清单：一、人民调解协议书；二、案件概况；三、办理经过。")
    pdf.heading("案件概况")
    pdf.para(f"受理时间：{_minute(report.created_at)}")
    pdf.para(f"纠纷事项：{report.description}")
    pdf.para(f"调解组织：{_committee(session)}    调解员：{'、'.join(session.mediators)}")
    pdf.heading("办理经过")
    for event in report.events:
        name = ACTION_NAMES.get(event.action)
        if name:
            pdf.para(f"{_minute(event.created_at)}  {name}" + (
                f"：{RESULT_NAMES.get((event.payload or {}).get('result'), '')}"
                if event.action == "mediate" else ""), size=10)  # fmt: skip
    _agreement(pdf, report, session, viewer)
    return bytes(pdf.output())
