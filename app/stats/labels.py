"""Chinese names for the values people read: ledgers, charts, the supervisor page and the staff
console (app/console/labels.py re-exports these). One table per value, so a grade reads the same
on every screen and in every file."""

from datetime import datetime, timedelta

from app.core.clock import in_shanghai

STATUS_NAMES = {
    "received": "已受理",
    "needs_info": "待补充",
    "dispatched": "已派单",
    "accepted": "已接单",
    "in_progress": "处置中",
    "resolved": "已办结",
    "closed": "已结案",
    "archived": "已归档",
    "rejected": "不予受理",
    "merged": "已合并",
}
CHANNEL_NAMES = {
    "qr_scan": "扫码上报",
    "grid_worker": "网格员上报",
    "walk_in": "窗口来访",
    "hotline_12345": "12345转办",
    "video_patrol": "视频巡查",
    "import": "批量导入",
    "open311": "Open311接口",
}
# 风险分级 as SCREENS.md fixes it: the critical grade is 紧急 wherever it is shown.
RISK_NAMES = {"low": "一般", "medium": "较大", "high": "重大", "critical": "紧急"}
OUTCOME_NAMES = {
    "mediated": "调解成功",
    "agreement": "达成协议",
    "referred_to_court": "引导诉讼",
    "unresolvable": "无法化解",
    "withdrawn": "撤回",
}
SATISFACTION_NAMES = {
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "dissatisfied": "不满意",
}
CARD_NAMES = {"none": "", "yellow": "黄牌", "red": "红牌"}


def label(names: dict[str, str], value: str | None, empty: str = "") -> str:
    """The Chinese name of a stored value; unknown values show as stored."""
    if value is None:
        return empty
    return names.get(value, value)


def period_label(since: datetime | None, until: datetime | None) -> str:
    """统计时段 in Shanghai time, with the exclusive end shown as the last day it covers."""

    def shown(moment: datetime, end: bool = False) -> str:
        local = in_shanghai(moment)
        if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
            return (local - timedelta(days=1) if end else local).strftime("%Y-%m-%d")
        return local.strftime("%Y-%m-%d %H:%M")

    if since is None and until is None:
        return "全部时间"
    if until is None:
        return f"{shown(since)} 起"
    if since is None:
        return f"截至 {shown(until, end=True)}"
    return f"{shown(since)} 至 {shown(until, end=True)}"
