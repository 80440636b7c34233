"""/console/admin/rules: the triage rules — list, create, edit, retire — and 试一试.

试一试 runs the text through pre-sorting's own code with the form's rule in force (new, or in
place of the one being edited) and stores nothing: which rules fire and why, and the category
and risk level the cleaner's queue would suggest. A rule saved re-grades the queue at once,
as the JSON API does.
"""

from flask import Response, abort, request
from sqlalchemy import or_, select
from werkzeug.datastructures import MultiDict

from app.admin_console.choices import category_label_map, category_options
from app.admin_console.shell import blp, done, field_errors, page
from app.audit import record_change
from app.audit.setup_subjects import rule_fields
from app.console.labels import RISK_NAMES
from app.core.errors import Invalid
from app.extensions import db
from app.reports.models import RISK_LEVELS
from app.triage import rules as triage_rules
from app.triage.categorise import is_seeded
from app.triage.models import RULE_KINDS, RULE_MATCHES, TriageRule
from app.triage.suggestions import refresh_text_suggestions
from app.triage.trial import MAX_TEXT, draft_rule, try_text

PAGE_SIZE = 100
KIND_NAMES = {"category": "类别", "risk": "风险等级"}
MATCH_NAMES = {
    "keyword": "包含关键词",
    "regex": "正则表达式（RE2）",
    "people_at_least": "人数不少于",
    "amount_at_least": "金额（元）不少于",
}
assert set(KIND_NAMES) == set(RULE_KINDS) and set(MATCH_NAMES) == set(RULE_MATCHES)
WORDS = {
    "kind": "请选择规则类型",
    "match": "请选择匹配方式",
    "pattern": "请填写要匹配的内容",
    "category_target": "请选择类别（须为启用中的类别）",
    "risk_target": "请选择风险等级",
    "weight": "权重须为 -100 到 100 之间的数",
}


def _values(form) -> tuple[dict, dict[str, str]]:
    """The rule a form describes, and the fields it got wrong before any rule check."""
    kind = form.get("kind") or None
    values = {
        "kind": kind,
        "match": form.get("match") or "keyword",
        "pattern": form.get("pattern", ""),
        "target": form.get("risk_target") if kind == "risk" else form.get("category_target"),
        "active": True,
    }
    errors: dict[str, str] = {}
    raw = (form.get("weight") or "1").strip()
    try:
        values["weight"] = float(raw)
        if not -100 <= values["weight"] <= 100:
            raise ValueError
    except ValueError:
        errors["weight"] = WORDS["weight"]
    if len(values["pattern"]) > 200:
        errors["pattern"] = "内容最多 200 个字符"
    return values, errors


def _rule_errors(error: Invalid, kind: str | None) -> dict[str, str]:
    """A rule check's refusal next to the form's field, in Chinese; RE2's own reason kept."""
    found = field_errors(error, WORDS)
    errors = {}
    for name, text in found.items():
        if name == "target":
            name = "risk_target" if kind == "risk" else "category_target"
            text = WORDS[name]
        elif name == "pattern":
            message = error.message
            if "RE2" in message:
                reason = message.split("cannot be used: ", 1)[-1].split(" (rules run on RE2")[0]
                text = (
                    f"RE2 无法使用这个正则：{reason}。规则用 RE2 运行，"
                    "不支持反向引用和环视（?= ?! ?<= \\1 等），以免拖慢收件。"
                )
            elif "empty text" in message:
                text = "这个正则能匹配空文本，会命中每一条反映，请改得更具体"
            elif "positive number" in message:
                text = "人数或金额规则请填写一个正数，例如 10"
            else:
                text = WORDS["pattern"]
        elif name == "match" and "can only set a risk level" in error.message:
            text = "人数、金额规则只能设置风险等级"
        errors[name] = text
    return errors


def _form_page(rule, values, errors, trial=None, status: int = 200) -> Response:
    return page(
        "admin/rule_form.html",
        status=status,
        rule=rule,
        values=values,
        errors=errors,
        trial=trial,
        kind_names=KIND_NAMES,
        match_choices=list(MATCH_NAMES.items()),
        category_choices=category_options(),
        risk_choices=[(level, RISK_NAMES[level]) for level in RISK_LEVELS],
        categories=category_label_map(),
        risk_names=RISK_NAMES,
        max_text=MAX_TEXT,
    )


def _try(form, rule_id: int | None):
    """试一试: (the trial, the errors of the draft). An invalid draft is left out of the trial
    and its errors shown beside its fields."""
    values, errors = _values(form)
    draft = None
    if not errors:
        try:
            draft = draft_rule(values, rule_id)
        except Invalid as error:
            errors = _rule_errors(error, values["kind"])
    text = form.get("sample", "")
    if not text.strip():
        errors["sample"] = "请粘贴一段要试的反映内容"
        return None, errors
    return try_text(text, draft), errors


def _rule_or_404(rule_id: int) -> TriageRule:
    rule = db.session.get(TriageRule, rule_id)
    if rule is None:
        abort(404)
    return rule


@blp.get("/rules")
def rules():
    return _rules_page()


@blp.post("/rules/try")
def rules_try():
    """试一试 on the list: a text against the rules as they stand (nothing saved)."""
    text = request.form.get("sample", "")
    if not text.strip():
        return _rules_page(422, sample_error="请粘贴一段要试的反映内容")
    return _rules_page(trial=try_text(text))


def _rules_page(status: int = 200, trial=None, sample_error: str = "") -> Response:
    kind = request.args.get("kind") if request.args.get("kind") in RULE_KINDS else None
    state = request.args.get("state", "active")
    state = state if state in ("active", "retired", "all") else "active"
    words = (request.args.get("q") or "").strip()[:100]
    query = select(TriageRule).order_by(TriageRule.id.desc())
    if kind:
        query = query.where(TriageRule.kind == kind)
    if state != "all":
        query = query.where(TriageRule.active.is_(state == "active"))
    if words:
        query = query.where(
            or_(
                TriageRule.pattern.contains(words, autoescape=True),
                TriageRule.target.contains(words, autoescape=True),
            )
        )
    found = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    return page(
        "admin/rules.html",
        status=status,
        trial=trial,
        sample=trial.text if trial else request.form.get("sample", ""),
        sample_error=sample_error,
        max_text=MAX_TEXT,
        rules=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        filters={"kind": kind or "", "state": state, "q": words},
        kind_names=KIND_NAMES,
        match_names=MATCH_NAMES,
        categories=category_label_map(),
        risk_names=RISK_NAMES,
        seeded=is_seeded,
    )


@blp.route("/rules/new", methods=["GET", "POST"])
def rule_new():
    if request.method == "GET":
        return _form_page(
            None, MultiDict({"kind": "category", "match": "keyword", "weight": "1"}), {}
        )
    form = request.form
    if form.get("do") == "try":
        trial, errors = _try(form, None)
        return _form_page(None, form, errors, trial, 422 if errors and trial is None else 200)
    values, errors = _values(form)
    if errors:
        return _form_page(None, form, errors, status=422)
    try:
        rule = triage_rules.create_rule(**values)
    except Invalid as error:
        db.session.rollback()
        return _form_page(None, form, _rule_errors(error, values["kind"]), status=422)
    refresh_text_suggestions()
    record_change("rule.create", "rule", rule.id, rule.pattern, after=rule_fields(rule))
    rule_id = rule.id
    db.session.commit()
    return done(f"已新建规则 #{rule_id}，待分流的反映已按新规则重新给出建议。", "admin.rules")


@blp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
def rule_edit(rule_id: int):
    rule = _rule_or_404(rule_id)
    if request.method == "GET":
        current = MultiDict(
            {
                "kind": rule.kind,
                "match": rule.match,
                "pattern": rule.pattern,
                "category_target": rule.target if rule.kind == "category" else "",
                "risk_target": rule.target if rule.kind == "risk" else "",
                "weight": f"{rule.weight:g}",
            }
        )
        return _form_page(rule, current, {})
    form = request.form
    if form.get("do") == "try":
        trial, errors = _try(form, rule_id)
        return _form_page(rule, form, errors, trial, 422 if errors and trial is None else 200)
    values, errors = _values(form)
    values["active"] = rule.active
    if errors:
        return _form_page(rule, form, errors, status=422)
    before = rule_fields(rule)
    try:
        triage_rules.update_rule(rule_id, **values)
    except Invalid as error:
        db.session.rollback()
        rule = _rule_or_404(rule_id)
        return _form_page(rule, form, _rule_errors(error, values["kind"]), status=422)
    refresh_text_suggestions()
    record_change(
        "rule.update", "rule", rule.id, rule.pattern, before=before, after=rule_fields(rule)
    )
    db.session.commit()
    return done(f"已保存规则 #{rule_id}。", "admin.rules")


def _set_active(rule_id: int, active: bool) -> Response:
    rule = _rule_or_404(rule_id)
    before = rule_fields(rule)
    triage_rules.update_rule(rule_id, active=active)
    refresh_text_suggestions()
    kind = "rule.update" if active else "rule.retire"
    record_change(kind, "rule", rule.id, rule.pattern, before=before, after=rule_fields(rule))
    db.session.commit()
    word = "重新启用" if active else "停用"
    return done(f"已{word}规则 #{rule_id}。", "admin.rules")


@blp.post("/rules/<int:rule_id>/retire")
def rule_retire(rule_id: int):
    return _set_active(rule_id, False)


@blp.post("/rules/<int:rule_id>/restore")
def rule_restore(rule_id: int):
    return _set_active(rule_id, True)
