"""Whether an earlier report is the same matter as a new one: a score and its reasons.

Plain functions of two reports' meaning (app/triage/semantic.py), categories, distance and
time, so the evaluation set (tests/data/triage_eval.jsonl, bench/triage_quality.py) scores
exactly what intake scores. The score is a logistic regression's probability that the two are
one matter; its weights were fitted on the evaluation set's training split, with each
report's category as a model that had not seen its wording would suggest it (3 folds by
wording), and DUPLICATE_MIN_SCORE chosen there too (bench/triage_quality.py).
"""

import math
from dataclasses import dataclass

from app.triage.meaning import Terms, shared_words, terms

# Log-odds weights fitted on the training split (bench/triage_quality.py --fit).
MEANING = 5.2  # times the centred cosine of the two reports' vectors (−1…1)
SAME_CATEGORY = 1.29
SAME_TOP_LEVEL = 0.54
OTHER_CATEGORY = -1.62
NEAR = 1.61  # at the same spot, falling to 0 at the edge of the radius
RECENT = 1.94  # filed the same hour, falling to 0 at the end of the window
BIAS = -4.81
# Not in the evaluation set (its reports carry no poster or phone), so not fitted: as strong
# as a shared category, as before.
SAME_SITE = 1.0
SAME_PHONE = 1.0
CLOSE_IN_MEANING = 0.35  # a centred cosine above this reads 「意思相近」 in the reasons


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
    closeness: float,
) -> float:
    """0…1: mostly what the texts mean (`closeness`, the centred cosine of their vectors),
    then category, the same QR poster or caller, nearness and time."""
    value = BIAS + MEANING * closeness
    value += category_affinity(mine.category_code, other.category_code)
    if mine.qr_site_id is not None and mine.qr_site_id == other.qr_site_id:
        value += SAME_SITE
    if mine.reporter_phone and mine.reporter_phone == other.reporter_phone:
        value += SAME_PHONE
    if radius_m > 0:
        value += NEAR * max(0.0, 1.0 - distance_m / radius_m)
    if window_hours > 0:
        value += RECENT * max(0.0, 1.0 - hours_apart / window_hours)
    return round(1.0 / (1.0 + math.exp(-value)), 3)


def reasons(
    mine: Side, other: Side, distance_m: float, hours_apart: float, closeness: float = 0.0
) -> list[str]:
    """Why `other` may be the same matter, in Chinese (「80 米内」「意思相近」「内容相近：渗水≈
    漏水、楼上」); only for the few candidates kept, so scoring the many stays cheap."""
    why = [f"{_metres(distance_m)} 米内", _apart(hours_apart)]
    if closeness >= CLOSE_IN_MEANING:
        why.append("意思相近")
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
