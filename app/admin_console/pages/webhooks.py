"""/console/admin/webhooks: subscriptions, their recent deliveries, 新建订阅 and 发送测试."""

from flask import Response, abort, flash, redirect, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.admin_console.shell import admin, blp, done, field_errors, page
from app.audit import record_change
from app.audit.setup_subjects import webhook_fields
from app.core.errors import Invalid
from app.extensions import db
from app.reports.models import Report
from app.webhooks import service
from app.webhooks.models import WEBHOOK_EVENTS, OutboxEvent, WebhookDelivery, WebhookSubscription
from app.webhooks.ping import error_in_words, send_test

RECENT = 30
EVENT_NAMES = {
    "report.created": "收到新反映",
    "report.dispatched": "派单",
    "report.card_changed": "亮牌变化",
    "report.escalated": "升级",
    "report.resolved": "办结",
    "report.closed": "结案",
}
assert set(EVENT_NAMES) == set(WEBHOOK_EVENTS)
STATUS_NAMES = {"active": "正常", "failing": "连续失败，已暂停（定时试探）"}
DELIVERY_NAMES = {"pending": "待发送", "delivered": "已送达", "failed": "已放弃"}
WORDS = {
    "url": "请填写完整的 http:// 或 https:// 地址",
    "events": "请至少选择一个事件",
    "description": "说明最多 200 个字，不能含控制字符",
}


def _subscription_or_404(subscription_id: int) -> WebhookSubscription:
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        abort(404)
    return subscription


@blp.get("/webhooks")
def webhooks():
    subscriptions = list(
        db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
    )
    service.delivery_counts(subscriptions)
    recent = db.session.execute(
        select(WebhookDelivery, OutboxEvent.event, Report.tracking_no)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.outbox_event_id)
        .join(Report, Report.id == OutboxEvent.report_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(RECENT)
    ).all()
    return page(
        "admin/webhooks.html",
        subscriptions=subscriptions,
        recent=recent,
        event_names=EVENT_NAMES,
        status_names=STATUS_NAMES,
        delivery_names=DELIVERY_NAMES,
        words=error_in_words,
    )


def _form_page(values, errors, status: int = 200) -> Response:
    return page(
        "admin/webhook_form.html",
        status=status,
        values=values,
        errors=errors,
        event_choices=list(EVENT_NAMES.items()),
    )


@blp.route("/webhooks/new", methods=["GET", "POST"])
def webhook_new():
    if request.method == "GET":
        return _form_page(MultiDict([("events", e) for e in WEBHOOK_EVENTS]), {})
    form = request.form
    url = form.get("url", "").strip()
    events = [e for e in form.getlist("events") if e]
    description = form.get("description", "").strip()
    errors = {}
    if not url or len(url) > 500:
        errors["url"] = WORDS["url"]
    if len(description) > 200 or any(ord(c) < 32 or ord(c) == 127 for c in description):
        errors["description"] = WORDS["description"]
    if not errors:
        try:
            subscription = service.create_subscription(
                url, events, description=description, created_by=admin()
            )
        except Invalid as error:
            db.session.rollback()
            errors = field_errors(error, WORDS)
            if "url" in errors and "cannot be used" in error.message:
                errors["url"] = "这个地址不能接收推送：" + error_in_words(
                    "refused"
                    if "internal" in error.message or "metadata" in error.message
                    else "could not connect"
                )
    if errors:
        return _form_page(form, errors, 422)
    record_change(
        "webhook.create",
        "webhook",
        subscription.id,
        subscription.url,
        after=webhook_fields(subscription),
    )
    db.session.commit()
    response = page("admin/webhook_secret.html", subscription=subscription)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.post("/webhooks/<int:subscription_id>/test")
def webhook_test(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    delivery_id, answer = send_test(subscription)
    result = (
        f"HTTP {answer.status_code}"
        if answer.ok
        else error_in_words(answer.error, answer.status_code)
    )
    record_change(
        "webhook.test",
        "webhook",
        subscription.id,
        subscription.url,
        summary=f"{'送达' if answer.ok else '失败'}：{result}（{delivery_id}）",
    )
    db.session.commit()
    if answer.ok:
        return done(
            f"测试推送已送达：对方回答 HTTP {answer.status_code}"
            f"（X-Jiefen-Delivery: {delivery_id}）。",
            "admin.webhooks",
        )
    flash(f"测试推送失败：{result}", "error")
    return redirect(url_for("admin.webhooks"), 303)


@blp.post("/webhooks/<int:subscription_id>/delete")
def webhook_delete(subscription_id: int):
    subscription = _subscription_or_404(subscription_id)
    before = webhook_fields(subscription)
    service.delete_subscription(subscription_id)
    record_change("webhook.delete", "webhook", subscription_id, before["url"], before=before)
    db.session.commit()
    return done(f"已删除订阅 {before['url']}，尚未发送的推送一并取消。", "admin.webhooks")
