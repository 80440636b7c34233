"""Whether an earlier report is the same matter as a new one: a score and its reasons.

Plain functions of two reports' words, categories, distance and time, so the evaluation set
(tests/data/triage_eval.jsonl, bench/triage_quality.py) scores exactly what intake scores.
"""

from dataclasses import dataclass

from app.triage.meaning import Terms, shared_words, similarity, terms

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
    stored: Terms | None = None  # its reading, when kept with its suggestions

    @property
    def reading(self) -> Terms:
        return self.stored if self.stored is not None else terms(self.description)


def _top_level(code: str | None) -> str | None:
    return code.split(".", 1)[0] if code else None


def category_affinity(
    a: str | None,
    b: str | None,
    weights: tuple[float, float, float] = (SAME_CATEGORY, SAME_TOP_LEVEL, OTHER_CATEGORY),
) -> float:
    """Same category pulls two reports together; different kinds of matter push them apart.
    `weights`: same category, same top level, other — each finder fits its own."""
    same, same_top, other = weights
    if not a or not b:
        return 0.0
    if a == b:
        return same
    return same_top if _top_level(a) == _top_level(b) else other


def score(
    mine: Side,
    other: Side,
    distance_m: float,
    radius_m: float,
    hours_apart: float,
    window_hours: float,
) -> float:
    """0…1: mostly the words, then category, the same QR poster or caller, nearness, time."""
    text = similarity(mine.reading, other.reading)
    value = TEXT_WEIGHT * text + category_affinity(mine.category_code, other.category_code)
    if mine.qr_site_id is not None and mine.qr_site_id == other.qr_site_id:
        value += SAME_SITE
    if mine.reporter_phone and mine.reporter_phone == other.reporter_phone:
        value += SAME_PHONE
    if radius_m > 0:
        value += NEAR * max(0.0, 1.0 - distance_m / radius_m)
    if window_hours > 0:
        value += RECENT * max(0.0, 1.0 - hours_apart / window_hours)
    return round(min(1.0, max(0.0, value)), 3)


def reasons(mine: Side, other: Side, distance_m: float, hours_apart: float) -> list[str]:
    """Why `other` may be the same matter, in Chinese (「80 米内」「内容相近：渗水≈漏水、楼上」);
    only for the few candidates kept, so scoring the many stays cheap."""
    why = [f"{_metres(distance_m)} 米内", _apart(hours_apart)]
    words = shared_words(mine.reading, other.reading)
    if words:
        why.append("内容相近：" + "、".join(words))
    affinity = category_affinity(mine.category_code, other.category_code)
    if affinity > 0:
        why.append("同一类别" if affinity == SAME_CATEGORY else "同一大类")
    if mine.qr_site_id is not None and mine.qr_site_id == other.qr_site_id:
        why.append("同一张二维码")
    if mine.reporter_phone and mine.reporter_phone == other.reporter_phone:
        why.append("同一号码")
    return why


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
