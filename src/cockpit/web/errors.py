"""The one error shape of the API: ``{code, message, message_zh, field}``.

``code`` is stable and machine-readable, ``message`` says what was wrong (English, naming the
value), ``message_zh`` says the same kind of thing in Chinese, ``field`` names the input at
fault ('' when none): ``body.price_fen``, ``query.period``, ``path.alert_id``, ``X-API-Key``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

# Chinese text per code; a code not listed gets the text of its HTTP status class.
ZH: dict[str, str] = {
    "not_signed_in": "请先登录或提供 API 密钥",
    "session_ended": "会话已结束，请重新登录",
    "bad_key": "API 密钥无效、已过期或已吊销",
    "forbidden": "无权执行此操作",
    "csrf": "表单已失效（CSRF 校验失败），请刷新页面",
    "invalid": "输入不合法",
    "not_found": "未找到",
    "conflict": "与当前状态冲突",
    "too_large": "请求体过大",
    "rate_limited": "请求过于频繁，请稍后再试",
    "locked": "账户或来源已被临时锁定",
    "period_not_built": "该月份尚无已构建的数据",
    "bad_request": "请求有误",
}
BY_STATUS = {4: "请求有误", 5: "服务器内部错误"}


def shape(body: Mapping[str, Any]) -> dict[str, str]:
    """``body`` with all four keys, the Chinese message filled from the code."""
    code = str(body.get("code") or "bad_request")
    return {
        "code": code,
        "message": str(body.get("message", "")),
        "message_zh": ZH.get(code, BY_STATUS[4]),
        "field": str(body.get("field", "")),
    }


def _snake(name: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return out.replace(" ", "_")


def from_http(status: int, detail: Any) -> dict[str, str]:
    """A Starlette/FastAPI ``HTTPException``'s detail (text or ``{code, message}``)."""
    if isinstance(detail, Mapping):
        return shape({**detail, "code": _snake(str(detail.get("code", "")))})
    default = {
        401: "not_signed_in", 403: "forbidden", 404: "not_found", 409: "conflict",
        413: "too_large", 429: "rate_limited",
    }  # fmt: skip
    code = default.get(status, "invalid" if status == 422 else "bad_request")
    text = str(detail) if detail else HTTPStatus(status).phrase
    return shape({"code": code, "message": text})


def from_validation(errors: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """FastAPI's validation errors: the first one names the field; all are in the message."""

    def where(e: Mapping[str, Any]) -> str:
        return ".".join(str(p) for p in e.get("loc", ()))

    first = errors[0] if errors else {}
    message = "; ".join(f"{where(e)}: {e.get('msg', '')}" for e in errors[:5])
    return shape({"code": "invalid", "message": message, "field": where(first)})
