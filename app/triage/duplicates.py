"""Whether an earlier report is the same matter as a new one: a score and its reasons.

Plain functions of two reports' words, categories, distance and time, so the evaluation set
(tests/data/triage_eval.jsonl, bench/triage_quality.py) scores exactly what intake scores.
"""

from dataclasses import dataclass

from app.triage.meaning import similarity, terms

# Weights chosen on the evaluation set's training split (bench/triage_quality.py).
TEXT_WEIGHT = 0.85
SAME_CATEGORY = 0.12
SAME_TOP_LEVEL = 0.05
OTHER_CATEGORY = -0.15
SAME_SITE = 0.1
SAME_PHONE = 0.1
NEAR = 0.08  # at the same spot, falling to 0 at the edge of the radius
RECENT = 0.04  # filed the same hour, falling to 0 at the end of the window


@dataclass(frozen=True)
class Side:
    """What the finder knows of one report."""

    description: str
    category_code: str | None
    qr_site_id: int | None = None
    reporter_phone: str | None = None


def _top_level(code: str | None) -> str | None:
    return code.split(".", 1)[0] if code else None


def category_affinity(a: str | None, b: str | None) -> float:
    """Same category pulls two reports together; different kinds of matter push them apart."""
    if not a or not b:
        return 0.0
    if a == b:
        return SAME_CATEGORY
    return SAME_TOP_LEVEL if _top_level(a) == _top_level(b) else OTHER_CATEGORY


def score(
    mine: Side,
    other: Side,
    distance_m: float,
    radius_m: float,
    hours_apart: float,
    window_hours: float,
) -> tuple[float, list[str]]:
    """0…1 and the reasons in Chinese a cleaner reads (「80 米内」「内容相近：漏水、楼上」)."""
    text, shared = similarity(terms(mine.description), terms(other.description))
    affinity = category_affinity(mine.category_code, other.category_code)
    same_site = mine.qr_site_id is not None and mine.qr_site_id == other.qr_site_id
    same_phone = bool(mine.reporter_phone) and mine.reporter_phone == other.reporter_phone
    near = NEAR * max(0.0, 1.0 - distance_m / radius_m) if radius_m > 0 else 0.0
    recent = RECENT * max(0.0, 1.0 - hours_apart / window_hours) if window_hours > 0 else 0.0
    value = TEXT_WEIGHT * text + affinity + SAME_SITE * same_site + SAME_PHONE * same_phone
    value = round(min(1.0, max(0.0, value + near + recent)), 3)
    reasons = [f"{_metres(distance_m)} 米内", _apart(hours_apart)]
    if shared:
        reasons.append("内容相近：" + "、".join(shared))
    elif text > 0:
        reasons.append("内容略有相似")
    if affinity > 0:
        reasons.append("同一类别" if affinity == SAME_CATEGORY else "同一大类")
    if same_site:
        reasons.append("同一张二维码")
    if same_phone:
        reasons.append("同一号码")
    return value, reasons


def _metres(distance_m: float) -> int:
    """Rounded up to a step a person reads at a glance: 10 m near, 50 m further out."""
    step = 10 if distance_m < 100 else 50
    return max(step, int(-(-distance_m // step) * step))


def _apart(hours: float) -> str:
    if hours < 1:
        return "相隔不到 1 小时"
    if hours < 48:
        return f"相隔约 {round(hours)} 小时"
    return f"相隔约 {round(hours / 24)} 天"
