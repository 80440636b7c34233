"""发送测试: one signed test event, sent at once, so an admin sees whether a receiver works.

It goes out exactly as a real delivery does (app.webhooks.delivery.post: the same headers,
signature, address checks, no redirects, no proxies), but it is not an outbox event: it is
about no case, is not retried, and leaves the subscription's health (failures in a row, the
pause) alone — one test does not open or close the circuit. The answer is returned to show.
"""

import json
import re
import uuid

from flask import current_app

from app.core.clock import in_shanghai, now
from app.webhooks.delivery import Answer, Claimed, post
from app.webhooks.models import WebhookSubscription

TEST_EVENT = "webhook.test"
# A person waits for this answer on a page: shorter than a background delivery may take.
TEST_TIMEOUT_SECONDS = 5.0


def test_body(subscription: WebhookSubscription, delivery_id: str) -> bytes:
    body = {
        "event": TEST_EVENT,
        "event_id": 0,
        "delivery_id": delivery_id,
        "occurred_at": in_shanghai(now()).isoformat(),
        "subscription_id": subscription.id,
        "message": "这是一条测试推送：签名方式与正式推送相同，不涉及任何案件。",
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def send_test(subscription: WebhookSubscription) -> tuple[str, Answer]:
    """(the test's delivery id, the receiver's answer)."""
    delivery_id = str(uuid.uuid4())
    claimed = Claimed(
        id=0,
        delivery_id=delivery_id,
        token="",
        attempts=0,
        subscription_id=subscription.id,
        url=subscription.url,
        secret=subscription.secret,
        event=TEST_EVENT,
        body=test_body(subscription, delivery_id),
    )
    timeout = min(float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"]), TEST_TIMEOUT_SECONDS)
    return delivery_id, post(claimed, timeout)


def error_in_words(error: str | None, status_code: int | None = None) -> str:
    """A delivery's stored error (delivery.post's fixed English words) as an admin reads it."""
    if not error:
        return ""
    if status_code is None:
        found = re.search(r"HTTP (\d{3})", error)
        status_code = int(found.group(1)) if found else None
    if error.startswith("refused"):
        return (
            "地址被拒绝：它指向内部、私有或保留的网络地址，推送不会发往那里"
            "（可由运维设置 WEBHOOK_ALLOWED_NETWORKS 放行内网接收方）。"
        )
    if error == "could not connect":
        return "无法连接接收方：地址无法解析、连接被拒绝或超时。请检查地址和对方服务是否在运行。"
    if status_code is not None and 300 <= status_code < 400:
        return f"接收方要求跳转（HTTP {status_code}）：推送不跟随跳转，请填写最终地址。"
    if status_code is not None:
        return f"接收方回答 HTTP {status_code}，不是 2xx 成功答复。"
    return error
