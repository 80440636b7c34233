"""Whether an earlier report is the same matter as a new one: a score and its reasons.

Plain functions of two reports' words, categories, distance and time, so the evaluation set
(tests/data/triage_eval.jsonl, bench/triage_quality.py) scores exactly what intake scores.
"""

from dataclasses import dataclass
from functools import cached_property, lru_cache

from app.triage.meaning import Terms, shared_words, similarity, terms

Likely = tuple[tuple[str, float], ...]  # (category code, probability), likeliest first

# Weights chosen on the evaluation set's training split (bench/triage_quality.py).
TEXT_WEIGHT = 0.85
SAME_CATEGORY = 0.12
SAME_TOP_LEVEL = 0.05
OTHER_CATEGORY = -0.15
SAME_SITE = 0.1
SAME_PHONE = 0.1
NEAR = 0.08  # at the same spot, falling to 0 at the edge of the radius
RECENT = 0.04  # filed the same hour, falling to 0 at the end of the window
# "soften": the category term is the kinder of the hard one and the one expected over both
# reports' likely categories; "expected": the expected one alone (lost on every training
# fold: it also weakens the pull of two agreeing guesses). bench/RESULTS.md, h22b.
MAPPING = "soften"


@dataclass(frozen=True)
class Side:
    """What the finder knows of one report."""

    description: str
    category_code: str | None
    qr_site_id: int | None = None
    reporter_phone: str | None = None
    stored: Terms | None = None  # its reading, when kept with its suggestions
    # Its likeliest categories (categorise.NaiveBayes.likely); a category a person gave is
    # ((code, 1.0),). None: not known (a reading stored before they were kept), and then
    # the pair's category term is the hard one of `category_code` as before.
    likely: Likely | None = None

    @property
    def reading(self) -> Terms:
        return self.stored if self.stored is not None else terms(self.description)

    @cached_property
    def pulls(self) -> dict[str, float]:
        """Per category code, what a neighbour's probability of it adds to the expected
        category term (soft_affinity is linear in the neighbour's probabilities): worked out
        once for the new report, so each of its hundreds of candidates costs one look-up per
        kept category. Filled as codes are met (`pull`)."""
        return {}

    def pull(self, code: str) -> float:
        """p(code)·(same − same top level) + P(code's top level)·(same top level − other)."""
        codes, tops = _by_code_and_top(self.likely or ())
        value = codes.get(code, 0.0) * (SAME_CATEGORY - SAME_TOP_LEVEL) + tops.get(
            _top_level(code), 0.0
        ) * (SAME_TOP_LEVEL - OTHER_CATEGORY)
        self.pulls[code] = value
        return value


def _top_level(code: str | None) -> str | None:
    return code.split(".", 1)[0] if code else None


@lru_cache(maxsize=8192)
def _by_code_and_top(likely: Likely) -> tuple[dict[str, float], dict[str, float]]:
    """A distribution as {code: p} and {top level: p}, once per distinct distribution: a
    neighbour's is scored against every report filed near it."""
    tops: dict[str, float] = {}
    for code, p in likely:
        top = _top_level(code)
        tops[top] = tops.get(top, 0.0) + p
    return dict(likely), tops


def chances(a: Likely, b: Likely) -> tuple[float, float]:
    """(the chance both are of one category, of one top level), the two independent: sums of
    p_a(c)·p_b(c) over the few categories kept; what was not kept counts as different."""
    codes_a, tops_a = _by_code_and_top(a)
    codes_b, tops_b = _by_code_and_top(b)
    same = sum([p * codes_a.get(code, 0.0) for code, p in codes_b.items()])
    same_top = sum([p * tops_a.get(top, 0.0) for top, p in tops_b.items()])
    return same, same_top


def soft_affinity(
    a: Likely,
    b: Likely,
    weights: tuple[float, float, float] | None = None,
) -> float:
    """category_affinity's pull or push as expected over the two reports' likely categories:
    two certain guesses give exactly the hard term; two guesses that differ but each hesitate
    toward the other's are pulled a little instead of pushed apart."""
    if not a or not b:
        return 0.0  # nothing known of one of them: neither pull nor push, as with no category
    same_p, top_p = chances(a, b)
    same, same_top, other = weights or (SAME_CATEGORY, SAME_TOP_LEVEL, OTHER_CATEGORY)
    return same * same_p + same_top * (top_p - same_p) + other * (1.0 - top_p)


def category_term(mine: Side, other: Side) -> float:
    """The pair's category term: the hard one of their categories, softened (MAPPING) by the
    one expected over both reports' likely categories when both are known — a reading stored
    before they were kept gives the hard term alone, as before."""
    hard = category_affinity(mine.category_code, other.category_code)
    ours, theirs = mine.likely, other.likely
    # Not known for one (a reading stored before), or each sure of one category (the rest of
    # its probability spread under LIKELY_FLOOR): the hard term. Most pairs are the latter,
    # and a busy place scores hundreds of them per report.
    if ours is None or theirs is None or (len(ours) == 1 and len(theirs) == 1):
        return hard
    if MAPPING == "soften" and hard >= SAME_CATEGORY:
        return hard  # no expectation pulls harder than one category surely shared
    if not ours or not theirs:
        soft = 0.0  # nothing known of one of them: neither pull nor push
    else:
        # soft_affinity(mine.likely, theirs), by the new report's pulls (one look-up each).
        pulls, soft = mine.pulls, OTHER_CATEGORY
        for code, p in theirs:
            value = pulls.get(code)
            soft += p * (value if value is not None else mine.pull(code))
    return max(hard, soft) if MAPPING == "soften" else soft


def category_affinity(
    a: str | None,
    b: str | None,
    weights: tuple[float, float, float] | None = None,
) -> float:
    """Same category pulls two reports together; different kinds of matter push them apart.
    `weights`: same category, same top level, other — each finder fits its own."""
    same, same_top, other = weights or (SAME_CATEGORY, SAME_TOP_LEVEL, OTHER_CATEGORY)
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
    return placed(
        pair_value(mine, other),
        mine,
        other.qr_site_id,
        other.reporter_phone,
        distance_m,
        radius_m,
        hours_apart,
        window_hours,
    )


def pair_value(mine: Side, other: Side) -> float:
    """The words' and categories' part of the score: the same for every neighbour with one
    stored reading and category, so a flood of one text is worked out once per report."""
    return TEXT_WEIGHT * similarity(mine.reading, other.reading) + category_term(mine, other)


def placed(
    value: float,
    mine: Side,
    qr_site_id: int | None,
    reporter_phone: str | None,
    distance_m: float,
    radius_m: float,
    hours_apart: float,
    window_hours: float,
) -> float:
    """`pair_value` with what is the neighbour's own: its poster, caller, distance and time."""
    near = (qr_site_id, reporter_phone, distance_m, radius_m, hours_apart, window_hours)
    value = with_place(value, mine, near, (SAME_SITE, SAME_PHONE, NEAR, RECENT))
    return round(min(1.0, max(0.0, value)), 3)


def with_place(value: float, mine: Side, near: tuple, weights: tuple) -> float:
    """`value` plus the place-and-time terms — `near`: the neighbour's poster, caller, distance,
    the radius, hours apart, the window — each finder with its own `weights` (same poster, same
    caller, nearness, recency): the one rule both finders' `placed` end differently."""
    qr_site_id, reporter_phone, distance_m, radius_m, hours_apart, window_hours = near
    same_site, same_phone, nearness, recent = weights
    if mine.qr_site_id is not None and mine.qr_site_id == qr_site_id:
        value += same_site
    if mine.reporter_phone and mine.reporter_phone == reporter_phone:
        value += same_phone
    if radius_m > 0:
        value += nearness * max(0.0, 1.0 - distance_m / radius_m)
    if window_hours > 0:
        value += recent * max(0.0, 1.0 - hours_apart / window_hours)
    return value


def reasons(mine: Side, other: Side, distance_m: float, hours_apart: float) -> list[str]:
    """Why `other` may be the same matter, in Chinese (「80 米内」「内容相近：渗水≈漏水、楼上」);
    only for the few candidates kept, so scoring the many stays cheap."""
    why = [f"{_metres(distance_m)} 米内", _apart(hours_apart)]
    words = shared_words(mine.reading, other.reading)
    if words:
        why.append("内容相近：" + "、".join(words))
    category = category_reason(mine, other)
    if category:
        why.append(category)
    if mine.qr_site_id is not None and mine.qr_site_id == other.qr_site_id:
        why.append("同一张二维码")
    if mine.reporter_phone and mine.reporter_phone == other.reporter_phone:
        why.append("同一号码")
    return why


def category_reason(mine: Side, other: Side) -> str | None:
    """Why the category term pulled, truthfully: 「同一类别」 / 「同一大类」 when the pull is the
    hard one of their categories, else 「可能同属噪音扰民」 naming the category (or top level)
    whose shared chance gave it. None when it did not pull."""
    term = category_term(mine, other)
    if term <= 0:
        return None
    hard = category_affinity(mine.category_code, other.category_code)
    if term == hard:
        return "同一类别" if hard == SAME_CATEGORY else "同一大类"
    codes_a, tops_a = _by_code_and_top(mine.likely)
    codes_b, tops_b = _by_code_and_top(other.likely)
    same_p, top_p = chances(mine.likely, other.likely)
    if same_p * (SAME_CATEGORY - SAME_TOP_LEVEL) >= (top_p - same_p) * SAME_TOP_LEVEL:
        shared = max(codes_b, key=lambda code: codes_b[code] * codes_a.get(code, 0.0))
    else:
        shared = max(tops_b, key=lambda top: tops_b[top] * tops_a.get(top, 0.0))
    return f"可能同属{category_name(shared)}"


def category_name(code: str) -> str:
    """A category's Chinese name from the seeded tree (no query per candidate); a category an
    admin added later is named by its code."""
    from app.categories.seed import CATEGORIES

    return next((name for known, name, _ in CATEGORIES if known == code), code)


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
