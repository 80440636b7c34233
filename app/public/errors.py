"""One shape for every error a resident's phone gets from the public API.

The smorest shape as everywhere (`code`, `status`, `message`, `errors`), and in `errors`:
`message_zh`, always one Chinese sentence to show, and `fields_zh`, the Chinese words per field
when fields are wrong (the page puts each next to its field). Field errors in English stay
under `errors.json` / `errors.form` / `errors.files`.
"""

import json

from flask import Response

DEFAULT_ZH = {
    400: "请求有误，请刷新页面后重试",
    404: "没有找到这条反映，请核对查询号和查询码",
    409: "这项操作与事项当前的状态不符，请刷新后再看",
    410: "这个二维码已停用，请扫描现场的新二维码",
    413: "上传的内容太大，请减少照片后重试",
    422: "填写的内容有误，请检查后再提交",
    429: "请求过于频繁，请稍后再试",
}
FALLBACK_ZH = "暂时无法处理，请稍后再试"


def field_errors_zh(fields: dict[str, list[str]]) -> dict:
    """`message_zh` and `fields_zh` for problems with named fields."""
    sentences = [message for messages in fields.values() for message in messages]
    return {"message_zh": "；".join(sentences) or DEFAULT_ZH[422], "fields_zh": fields}


def one_shape(response: Response) -> Response:
    """after_request of the public blueprints: give every error its Chinese sentence."""
    if response.status_code < 400 or not response.is_json:
        return response
    body = response.get_json(silent=True)
    if not isinstance(body, dict):
        return response
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
    chinese = errors.get("message_zh")
    if isinstance(chinese, dict):
        errors.update(field_errors_zh(chinese))
    elif not isinstance(chinese, str) or not chinese:
        errors["message_zh"] = DEFAULT_ZH.get(response.status_code, FALLBACK_ZH)
    body["errors"] = errors
    response.set_data(json.dumps(body, ensure_ascii=False))
    return response
