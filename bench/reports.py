"""Two years of a district's reports as column arrays: where, when, what, and how far each got.

Everything is drawn from one seeded generator, so a seed gives the same rows every time.
Positions are drawn inside known micro-grids, so the routing columns (area_code, area_path,
subdistrict_code, unit_code) are right without locating a million points one by one.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import numpy as np
import shapely

from app.categories.seed import CATEGORIES
from app.demo.load import unit_code_for
from app.reports.intake import TRACKING_ALPHABET
from app.reports.models import (
    CARDS,
    CHANNELS,
    OUTCOMES,
    RISK_LEVELS,
    SATISFACTIONS,
    STATUSES,
    TIERS,
)
from app.reports.tracking_keys import hash_tracking_key
from app.triage.meaning import stored, terms
from app.triage.suggestions import keyed_on_day
from bench.district import District, sample_points

DAYS = 730
HOUR = np.timedelta64(3600, "s")
DAY = np.timedelta64(86400, "s")
# Every generated report shares this tracking key, so benchmarks can look any of them up.
BENCH_TRACKING_KEY = "bench-tracking-key"

HOT_POINTS = 300
HOT_SHARE = 0.35
HOT_JITTER_DEG = 0.00025  # about 25 m

CHANNEL_P = (0.40, 0.32, 0.08, 0.14, 0.04, 0.01, 0.01)
HOT_CHANNEL_P = (0.60, 0.22, 0.05, 0.10, 0.02, 0.005, 0.005)
SOURCE_BY_CHANNEL = ("qr_site", "device", "manual", "manual", "manual", "manual", "device")
PHONE_P_BY_CHANNEL = (0.6, 0.5, 0.9, 0.95, 0.1, 0.3, 0.4)
NAME_P_BY_CHANNEL = (0.3, 0.6, 0.8, 0.8, 0.0, 0.5, 0.2)

# Shares of a 人民调解 ledger: neighbours, families and property first.
CATEGORY_WEIGHTS = {
    "neighbour.noise": 9, "neighbour.water_leak": 6, "neighbour.access": 4, "neighbour": 3,
    "marriage_family.divorce": 4, "marriage_family.support": 4,
    "marriage_family.inheritance": 2, "marriage_family": 2,
    "housing_land": 8, "property_mgmt.fees": 5, "property_mgmt.service": 4, "property_mgmt": 1,
    "contract": 4, "private_lending": 4, "labour_wages.unpaid_wages": 6,
    "labour_wages.injury": 2, "labour_wages": 1, "consumer": 4, "medical": 1,
    "traffic_accident": 5, "damages": 5, "forest_land": 3, "land_requisition": 2,
    "pollution": 3, "safety_hazard.fire": 2, "safety_hazard.building": 2,
    "safety_hazard.gas": 1, "safety_hazard": 1, "public_order": 2, "other": 1,
}  # fmt: skip
# What residents write, by category (a parent's phrases serve its children without their own).
PHRASES = {
    "neighbour": ("与邻居因琐事发生争吵",),
    "neighbour.noise": ("楼上噪音扰民，多次沟通无果", "广场舞音响太大影响休息"),
    "neighbour.water_leak": ("楼上漏水渗到我家天花板", "卫生间渗水，楼上不肯维修"),
    "neighbour.access": ("邻居占用公共通道堆放杂物", "邻居加建挡住我家采光"),
    "marriage_family": ("家庭矛盾需要调解",),
    "marriage_family.divorce": ("夫妻因财产分割发生争吵", "离婚后孩子抚养费不给"),
    "marriage_family.support": ("子女不履行赡养义务", "老人生活费兄弟分摊有争议"),
    "marriage_family.inheritance": ("兄弟之间因老人遗产起纠纷",),
    "housing_land": ("宅基地边界有争议", "邻居建房越界占地"),
    "property_mgmt": ("对物业管理有意见",),
    "property_mgmt.fees": ("物业费上涨业主不认可", "停车费收费不合理"),
    "property_mgmt.service": ("小区电梯长期故障物业不修", "垃圾无人清运，物业不管"),
    "contract": ("装修合同纠纷，工期一再拖延",),
    "private_lending": ("借款到期不还，多次催要无果",),
    "labour_wages": ("与用人单位发生劳动争议",),
    "labour_wages.unpaid_wages": ("工地拖欠农民工工资", "老板跑路，三个月工资没发"),
    "labour_wages.injury": ("工作中受伤，老板不承担医药费",),
    "consumer": ("预付卡商家关门无法退款",),
    "medical": ("对诊所治疗结果有异议",),
    "traffic_accident": ("电动车与行人相撞，赔偿谈不拢",),
    "damages": ("邻居的狗咬伤孩子，赔偿有争议",),
    "forest_land": ("山林界址不清，两组村民有争议",),
    "land_requisition": ("征地补偿标准有异议",),
    "pollution": ("餐馆油烟直排扰民", "养殖场臭味影响周边居民"),
    "safety_hazard": ("发现安全隐患，请尽快处理",),
    "safety_hazard.fire": ("楼道堆放杂物堵塞消防通道", "电动车在楼道充电"),
    "safety_hazard.building": ("老旧房屋外墙开裂有危险",),
    "safety_hazard.gas": ("餐馆燃气管道老化，有异味",),
    "public_order": ("夜间有人聚集喝酒闹事",),
    "other": ("其他问题，请工作人员联系我",),
}
# Some kinds run hotter than others.
RISK_P = (0.72, 0.21, 0.055, 0.015)
HOT_RISK_P = (0.45, 0.35, 0.15, 0.05)
HOT_CATEGORY_PREFIXES = ("labour_wages", "public_order", "safety_hazard", "land_requisition")
# Hours, by risk: how long a unit has to accept, and to resolve (分级时限).
ACCEPT_HOURS = np.array([24, 24, 4, 1])
DUE_DAYS = np.array([15, 10, 5, 2])
RESOLVE_MEDIAN_DAYS = np.array([4.0, 6.0, 7.0, 2.0])
OUTCOME_P = (0.46, 0.28, 0.06, 0.05, 0.15)
OUTCOME_NOTES = (
    "经调解双方达成一致", "双方签订调解协议书", "引导当事人向法院起诉",
    "多次调解未果", "当事人撤回申请",
)  # fmt: skip
SATISFACTION_P = (0.78, 0.16, 0.06)
SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗"
PHONE_PREFIXES = np.array([138, 139, 137, 135, 150, 151, 158, 186, 187, 188, 177, 199])


@dataclass
class Staff:
    """User ids the reports point at: the cleaners who triage, one grid worker per 10 grids."""

    cleaner_ids: np.ndarray
    grid_worker_ids: np.ndarray  # indexed by grid // GRIDS_PER_WORKER
    grids_per_worker: int


@dataclass
class Reports:
    """Column arrays, index i is the report with id i + 1 (ids follow created_at)."""

    n: int
    columns: dict[str, np.ndarray]
    lookups: dict[str, tuple]


def _lognormal_hours(rng, median_hours, sigma, size) -> np.ndarray:
    return median_hours * np.exp(sigma * rng.standard_normal(size))


def _hours(values: np.ndarray) -> np.ndarray:
    return (values * 3600).astype("int64").astype("timedelta64[s]")


def _choice(rng, p, size) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def _day_weights(end_local: np.datetime64) -> np.ndarray:
    """Slow growth over two years, quieter weekends, a summer bump."""
    days = np.arange(DAYS)
    dates = end_local.astype("datetime64[D]") - DAYS + 1 + days
    weekday = (dates.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    week = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.7, 0.6])[weekday]
    season = 1 + 0.15 * np.sin(2 * np.pi * (days / 365.0))
    return (0.7 + 0.6 * days / DAYS) * week * season


HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 9, 10, 10, 8, 7, 9, 10, 10, 9, 8, 7, 6, 5, 3, 2]
)


def generate_reports(
    district: District,
    n: int,
    seed: int,
    end: datetime,
    staff: Staff,
) -> Reports:
    rng = np.random.default_rng(seed + 1)
    micro = district.level("micro_grid")
    micro_geoms = micro.geoms
    n_micro = len(micro)
    end_utc = np.datetime64(end.astimezone(UTC).replace(tzinfo=None), "s")
    end_local = end_utc + 8 * HOUR

    # Where: a share at a few hundred hot places (an old estate, a market, a building site).
    hot_points = min(HOT_POINTS, max(1, n_micro // 10))  # a small test district has fewer
    hot_micro = rng.choice(n_micro, hot_points, replace=False)
    hot_x, hot_y, _ = sample_points(micro_geoms[hot_micro], np.ones(hot_points, dtype=int), rng)
    zipf = 1.0 / np.arange(1, hot_points + 1) ** 0.9
    codes = list(CATEGORY_WEIGHTS)
    known = {code for code, _, _ in CATEGORIES}
    assert set(codes) <= known, set(codes) - known
    hot_category = _choice(rng, list(CATEGORY_WEIGHTS.values()), hot_points)
    hot_episode_start = rng.integers(0, DAYS - 60, hot_points)
    hot_episodic = rng.random(hot_points) < 0.5

    is_hot = rng.random(n) < HOT_SHARE
    hot_id = np.where(is_hot, _choice(rng, zipf, n), -1)
    activity = np.exp(0.8 * rng.standard_normal(n_micro))
    where = _choice(rng, activity, n)
    where[is_hot] = hot_micro[hot_id[is_hot]]

    # When: two years, office hours; episodic hot places only during their episode.
    day = _choice(rng, _day_weights(end_local), n)
    episodic = is_hot & hot_episodic[np.maximum(hot_id, 0)]
    day[episodic] = hot_episode_start[hot_id[episodic]] + rng.integers(0, 60, episodic.sum())
    first_day = end_local.astype("datetime64[D]") - DAYS + 1
    local = (
        (first_day + day).astype("datetime64[s]")
        + _choice(rng, HOUR_WEIGHTS, n) * HOUR
        + rng.integers(0, 3600, n).astype("timedelta64[s]")
    )
    late = local > end_local
    local[late] = end_local - rng.integers(1, 6 * 3600, late.sum()).astype("timedelta64[s]")
    created = local - 8 * HOUR

    # Ids follow time, as they do in a live system.
    order = np.argsort(created, kind="stable")
    created, local, is_hot, hot_id, where = (
        created[order],
        local[order],
        is_hot[order],
        hot_id[order],
        where[order],
    )

    channel = np.where(is_hot, _choice(rng, HOT_CHANNEL_P, n), _choice(rng, CHANNEL_P, n))
    x, y = _positions(rng, micro_geoms, where, is_hot, hot_id, hot_x, hot_y, channel)

    category = _choice(rng, list(CATEGORY_WEIGHTS.values()), n)
    follows_place = is_hot & (rng.random(n) < 0.7)
    category[follows_place] = hot_category[hot_id[follows_place]]
    touchy = np.isin(np.array([c.split(".")[0] for c in codes]), HOT_CATEGORY_PREFIXES)[category]
    risk = np.where(touchy | is_hot, _choice(rng, HOT_RISK_P, n), _choice(rng, RISK_P, n))

    life = _lifecycle(rng, n, created, local, end_utc, is_hot, hot_id, risk)
    status = life.pop("status")
    triaged = ~np.isin(status, [0, 1])  # not received / needs_info
    # A reporter may pick a category; the cleaner always sets one, and grades the risk.
    topic = category
    category = np.where(triaged | (rng.random(n) < 0.5), category, -1)
    risk = np.where(triaged, risk, -1)

    tier = np.where(
        risk == 0,
        np.where(rng.random(n) < 0.7, 0, 1),
        np.where(risk == 1, 1, np.where(risk == 2, np.where(rng.random(n) < 0.6, 1, 2), 2)),
    )
    tier = np.where(np.isnat(life["dispatched_at"]), -1, tier)  # a tier comes with dispatch

    # Routing columns from the micro-grid each point was drawn in.
    grid_level, community = district.level("grid"), district.level("community")
    grid_of = micro.parent[where]
    community_of = grid_level.parent[grid_of]
    sub_of = district.micro_subdistrict[where]
    sub_codes = district.level("subdistrict").codes
    # Intake routes to the sub-district's unit; triage hands a tier to its own level's unit.
    n_comm, n_sub = len(community.codes), len(sub_codes)
    unit_code = np.where(
        tier == 0, community_of, np.where(tier == 2, n_comm + n_sub, n_comm + sub_of)
    )

    phone_p = np.array(PHONE_P_BY_CHANNEL)[channel]
    name_p = np.array(NAME_P_BY_CHANNEL)[channel]
    gw = channel == CHANNELS.index("grid_worker")
    reporter_user = np.where(gw, staff.grid_worker_ids[grid_of // staff.grids_per_worker], -1)
    phones = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), n)].astype(
        np.int64
    ) * 10**8 + rng.integers(0, 10**8, n)
    columns = {
        "created": created,
        "status": status,
        "channel": channel,
        "category": category,
        "topic": topic,
        "risk": risk,
        "tier": tier,
        "x": x,
        "y": y,
        "accuracy_m": np.where(
            np.array(SOURCE_BY_CHANNEL)[channel] == "device",
            np.round(_lognormal_hours(rng, 8.0, 0.8, n), 1),
            np.nan,
        ),
        "micro": where,
        "community": community_of,
        "subdistrict": sub_of,
        "unit_code": unit_code,
        "reporter_user": reporter_user,
        "phone": np.where(rng.random(n) < phone_p, phones, -1),
        "name": np.where(rng.random(n) < name_p, rng.integers(0, len(SURNAMES) * 2, n), -1),
        "client_uuid": np.where(gw, 1, 0),
        "uuid_hi": rng.integers(0, 2**63, n, dtype=np.int64),
        "uuid_lo": rng.integers(0, 2**63, n, dtype=np.int64),
        "phrase": rng.integers(0, 3, n),
        "house": rng.integers(1, 40, n),
        "occurred_at": np.where(
            rng.random(n) < 0.6,
            created - _hours(_lognormal_hours(rng, 6.0, 1.2, n)),
            np.datetime64("NaT"),
        ),
        "triaged_by": np.where(
            ~np.isnat(life["triaged_at"]),
            staff.cleaner_ids[rng.integers(0, len(staff.cleaner_ids), n)],
            -1,
        ),
        "outcome": np.where(~np.isnat(life["resolved_at"]), _choice(rng, OUTCOME_P, n), -1),
        **life,
    }
    satisfaction = _choice(rng, SATISFACTION_P, n)
    columns["satisfaction"] = np.where(~np.isnat(columns["followed_up_at"]), satisfaction, -1)
    return Reports(
        n,
        columns,
        {
            "micro_codes": micro.codes,
            "paths": area_paths(district),
            "community_names": community.names,
            "sub_codes": sub_codes,
            "unit_codes": unit_code_table(district),
            "category_codes": codes,
            "tracking_key_hash": hash_tracking_key(BENCH_TRACKING_KEY),
        },
    )


def unit_code_table(district: District) -> list[str]:
    """Unit codes in the order `unit_code` indexes them: communities, sub-districts, district."""
    return [
        *(unit_code_for(c) for c in district.level("community").codes),
        *(unit_code_for(c) for c in district.level("subdistrict").codes),
        unit_code_for(district.level("district").codes[0]),
    ]


def area_paths(district: District) -> dict[str, list[str]]:
    """The '/D/S/C/G/M/' path of every area, level by level."""
    paths: dict[str, list[str]] = {}
    above: list[str] = ["/"]
    for level in district.levels:
        parents = level.parent if len(level.parent) else np.zeros(len(level), dtype=int)
        paths[level.name] = [
            f"{above[p]}{code}/" for p, code in zip(parents, level.codes, strict=True)
        ]
        above = paths[level.name]
    return paths


def _positions(rng, micro_geoms, where, is_hot, hot_id, hot_x, hot_y, channel):
    """Uniform in the micro-grid; at a hot place, around its point (a QR code: on it)."""
    n = len(where)
    x, y = np.empty(n), np.empty(n)
    plain = np.flatnonzero(~is_hot)
    by_micro = plain[np.argsort(where[plain], kind="stable")]
    counts = np.bincount(where[plain], minlength=len(micro_geoms))
    px, py, _ = sample_points(micro_geoms, counts, rng)
    x[by_micro], y[by_micro] = px, py

    hot = np.flatnonzero(is_hot)
    hx, hy = hot_x[hot_id[hot]], hot_y[hot_id[hot]]
    x[hot], y[hot] = hx, hy
    pending = hot[channel[hot] != CHANNELS.index("qr_scan")]
    for _ in range(4):
        jx = x[pending] + rng.normal(0, HOT_JITTER_DEG, len(pending))
        jy = y[pending] + rng.normal(0, HOT_JITTER_DEG, len(pending))
        inside = shapely.contains_xy(micro_geoms[where[pending]], jx, jy)
        x[pending[inside]], y[pending[inside]] = jx[inside], jy[inside]
        pending = pending[~inside]
    return x, y


def _lifecycle(rng, n, created, local, end, is_hot, hot_id, risk) -> dict[str, np.ndarray]:
    """Each step's time from plausible delays; a step after `end` has not happened yet."""
    nat = np.datetime64("NaT")
    # The centre triages in office hours: a report filed at night waits for the morning.
    hour = (local - local.astype("datetime64[D]")).astype("int64") // 3600
    night_wait = np.where(hour >= 20, 32 - hour, np.where(hour < 8, 8 - hour, 0))
    triaged_at = created + _hours(night_wait + _lognormal_hours(rng, 1.5, 1.0, n))

    rejected = rng.random(n) < 0.035
    # Duplicates come from hot places: the same problem reported again.
    previous = _previous_at_same_place(is_hot, hot_id)
    merged = ~rejected & (previous >= 0) & (rng.random(n) < 0.10)
    asked = ~rejected & ~merged & (rng.random(n) < 0.02)
    stuck = asked & (created > end - 7 * DAY)
    returned = ~rejected & ~merged & ~stuck & (rng.random(n) < 0.03)
    dispatched = triaged_at + _hours(np.where(asked, 48.0, 0) + np.where(returned, 24.0, 0))
    accepted = dispatched + _hours(np.where(risk == 3, 0.5, _lognormal_hours(rng, 3.0, 1.0, n)))
    progress = accepted + _hours(_lognormal_hours(rng, 12.0, 1.0, n))
    resolve_days = _lognormal_hours(rng, 1.0, 0.8, n) * RESOLVE_MEDIAN_DAYS[risk]
    resolved = progress + _hours(resolve_days * 24)
    reopened = rng.random(n) < 0.03
    resolved = resolved + _hours(np.where(reopened, _lognormal_hours(rng, 120.0, 0.6, n), 0))
    followed = resolved + _hours(_lognormal_hours(rng, 36.0, 0.8, n))
    closed = followed
    archived = closed + _hours(rng.uniform(7, 40, n) * 24)

    in_loop = ~rejected & ~merged & ~stuck
    steps = {
        "dispatched_at": np.where(in_loop, dispatched, nat),
        "accepted_at": np.where(in_loop, accepted, nat),
        "in_progress": np.where(in_loop, progress, nat),
        "resolved_at": np.where(in_loop, resolved, nat),
        "followed_up_at": np.where(in_loop, followed, nat),
        "closed_at": np.where(in_loop, closed, nat),
        "archived_at": np.where(in_loop, archived, nat),
    }
    for name, times in steps.items():
        steps[name] = np.where(times <= end, times, nat)
    triaged_at = np.where(
        (rejected | merged) & (triaged_at <= end), triaged_at, steps["dispatched_at"]
    )

    status = np.zeros(n, dtype=np.int64)  # received
    status[stuck] = STATUSES.index("needs_info")
    for name, label in (
        ("dispatched_at", "dispatched"),
        ("accepted_at", "accepted"),
        ("in_progress", "in_progress"),
        ("resolved_at", "resolved"),
        ("closed_at", "closed"),
        ("archived_at", "archived"),
    ):
        status[in_loop & ~np.isnat(steps[name])] = STATUSES.index(label)
    status[rejected & ~np.isnat(triaged_at)] = STATUSES.index("rejected")
    status[merged & ~np.isnat(triaged_at)] = STATUSES.index("merged")

    dispatched_at = steps["dispatched_at"]
    due_at = dispatched_at + (DUE_DAYS[risk] * 86400).astype("timedelta64[s]")
    accept_due_at = dispatched_at + (ACCEPT_HOURS[risk] * 3600).astype("timedelta64[s]")
    # The yellow card comes when YELLOW_CARD_AT of the time is used (app.workflow.deadlines).
    yellow_at = dispatched_at + ((due_at - dispatched_at) * 4) // 5
    accept_yellow_at = dispatched_at + ((accept_due_at - dispatched_at) * 4) // 5
    # The sweep's rule (app.workflow.cards.card_for): the accept deadline counts until accepted.
    open_ = np.isin(status, [2, 3, 4])
    waiting = status == STATUSES.index("dispatched")
    card = np.zeros(n, dtype=np.int64)
    card[open_ & ((end >= yellow_at) | (waiting & (end >= accept_yellow_at)))] = 1
    red_open = open_ & ((end >= due_at) | (waiting & (end >= accept_due_at)))
    card[red_open] = 2
    done = ~np.isnat(steps["resolved_at"])
    late = done & (steps["resolved_at"] > due_at)
    card[late] = 2
    card_changed_at = np.full(n, nat, dtype="datetime64[s]")
    card_changed_at[card == 1] = np.where(
        waiting & (accept_yellow_at < yellow_at), accept_yellow_at, yellow_at
    )[card == 1]
    card_changed_at[card == 2] = np.where(
        waiting & (accept_due_at < due_at), accept_due_at, due_at
    )[card == 2]

    stamps = [created, triaged_at, *steps.values()]
    updated = np.max(np.stack([np.where(np.isnat(s), created, s) for s in stamps]), axis=0)
    version = (
        1
        + sum((~np.isnat(s)).astype(np.int64) for s in stamps[1:])
        - (~np.isnat(steps["followed_up_at"]))
    )
    return {
        "status": status,
        "triaged_at": triaged_at,
        "queued_at": np.where(returned & ~np.isnat(dispatched_at), dispatched - DAY, created),
        "return_count": returned.astype(np.int64) * (~np.isnat(dispatched_at)),
        "reopen_count": (reopened & ~np.isnat(steps["followed_up_at"])).astype(np.int64),
        "duplicate_of": np.where(status == STATUSES.index("merged"), previous + 1, -1),
        "due_at": due_at,
        "accept_due_at": accept_due_at,
        "yellow_at": yellow_at,
        "accept_yellow_at": accept_yellow_at,
        "card": card,
        "card_changed_at": card_changed_at,
        "updated_at": updated,
        "version": version,
        **{k: v for k, v in steps.items() if k != "in_progress"},
    }


def _previous_at_same_place(is_hot, hot_id) -> np.ndarray:
    """For each report at a hot place, the index of the one before it there (else -1)."""
    n = len(is_hot)
    previous = np.full(n, -1, dtype=np.int64)
    hot = np.flatnonzero(is_hot)
    by_place = hot[np.argsort(hot_id[hot], kind="stable")]  # time order kept within a place
    same = hot_id[by_place[1:]] == hot_id[by_place[:-1]]
    previous[by_place[1:][same]] = by_place[:-1][same]
    return previous


def tracking_numbers(ids: np.ndarray, created_local_dates: list[str], seed: int) -> list[str]:
    """JF + the Shanghai date + 6 characters; an odd multiplier mod 32⁶ makes them unique."""
    scrambled = (ids.astype(np.int64) * 0x2545F491 + seed * 7919 + 12345) % (32**6)
    alphabet = np.array(list(TRACKING_ALPHABET))
    digits = [alphabet[(scrambled >> (5 * k)) & 31] for k in range(5, -1, -1)]
    suffix = ["".join(chars) for chars in zip(*digits, strict=True)]
    return [f"JF{d}{s}" for d, s in zip(created_local_dates, suffix, strict=True)]


def _descriptions(reports: Reports, sl: slice) -> list[str]:
    """Each report's text: its community, a house number and a phrase of its topic."""
    c, lk = reports.columns, reports.lookups
    community_names, category_codes = lk["community_names"], lk["category_codes"]
    phrases = [PHRASES[category_codes[k]] for k in c["topic"][sl]]
    return [
        f"{community_names[cm]}{h}号附近：{p[i % len(p)]}"
        for cm, h, p, i in zip(
            c["community"][sl], c["house"][sl], phrases, c["phrase"][sl], strict=True
        )
    ]


def render_rows(reports: Reports, start: int, stop: int, seed: int) -> list[str]:
    """COPY text lines for reports [start, stop): tab-separated, \\N for NULL."""
    c, lk = reports.columns, reports.lookups
    sl = slice(start, stop)
    ids = np.arange(start + 1, stop + 1)
    created = c["created"][sl]
    local_dates = np.datetime_as_string((created + 8 * HOUR).astype("datetime64[D]"))
    yymmdd = [d[2:4] + d[5:7] + d[8:10] for d in local_dates]
    micro = c["micro"][sl]
    micro_codes, paths = lk["micro_codes"], lk["paths"]["micro_grid"]
    sub_codes, unit_table = lk["sub_codes"], lk["unit_codes"]
    category_codes = lk["category_codes"]
    points = shapely.to_wkb(
        shapely.set_srid(shapely.points(c["x"][sl], c["y"][sl]), 4326),
        hex=True,
        include_srid=True,
    )
    category = c["category"][sl]
    descriptions = _descriptions(reports, sl)
    names = c["name"][sl]
    reporter_names = [
        N if k < 0 else SURNAMES[k % len(SURNAMES)] + ("先生" if k < len(SURNAMES) else "女士")
        for k in names
    ]
    flags, his, los = c["client_uuid"][sl], c["uuid_hi"][sl], c["uuid_lo"][sl]
    uuids = [
        f"{hi:016x}{lo:016x}" if flag else N for flag, hi, lo in zip(flags, his, los, strict=True)
    ]
    channel = c["channel"][sl]
    cols = [
        ids.astype(str),
        tracking_numbers(ids, yymmdd, seed),
        [lk["tracking_key_hash"]] * (stop - start),
        _lookup(STATUSES, c["status"][sl]),
        _lookup(CHANNELS, channel),
        descriptions,
        _lookup(category_codes, category),
        _lookup(RISK_LEVELS, c["risk"][sl]),
        points,
        _lookup(SOURCE_BY_CHANNEL, channel),
        _floats(c["accuracy_m"][sl]),
        [micro_codes[m] for m in micro],
        [paths[m] for m in micro],
        [sub_codes[s] for s in c["subdistrict"][sl]],
        [unit_table[u] for u in c["unit_code"][sl]],
        ["t"] * (stop - start),
        _lookup(TIERS, c["tier"][sl]),
        _times(c["accept_due_at"][sl]),
        _times(c["due_at"][sl]),
        _lookup(CARDS, c["card"][sl]),
        _ints(c["duplicate_of"][sl]),
        _ints(c["reporter_user"][sl]),
        reporter_names,
        _ints(c["phone"][sl]),
        uuids,
        _times(c["occurred_at"][sl]),
        _times(c["queued_at"][sl]),
        _times(c["triaged_at"][sl]),
        _ints(c["triaged_by"][sl]),
        c["return_count"][sl].astype(str),
        _times(c["dispatched_at"][sl]),
        _times(c["accepted_at"][sl]),
        _times(c["resolved_at"][sl]),
        _lookup(OUTCOMES, c["outcome"][sl]),
        _lookup(OUTCOME_NOTES, c["outcome"][sl]),
        _lookup(SATISFACTIONS, c["satisfaction"][sl]),
        _times(c["followed_up_at"][sl]),
        c["reopen_count"][sl].astype(str),
        _times(c["closed_at"][sl]),
        _times(c["archived_at"][sl]),
        _times(created),
        _times(c["updated_at"][sl]),
        c["version"][sl].astype(str),
        _times(c["dispatched_at"][sl]),  # assigned_at: the unit got it at dispatch
        _times(c["accept_yellow_at"][sl]),
        _times(c["yellow_at"][sl]),
        _times(c["card_changed_at"][sl]),
    ]
    return ["\t".join(row) for row in zip(*cols, strict=True)]


REPORT_COLUMNS = (
    "id", "tracking_no", "tracking_key_hash", "status", "channel", "description",
    "category_code", "risk_level", "location", "location_source", "accuracy_m", "area_code",
    "area_path", "subdistrict_code", "unit_code", "in_coverage", "tier", "accept_due_at",
    "due_at", "card", "duplicate_of", "reporter_user_id", "reporter_name", "reporter_phone",
    "client_uuid", "occurred_at", "queued_at", "triaged_at", "triaged_by_user_id",
    "return_count", "dispatched_at", "accepted_at", "resolved_at", "outcome",
    "resolution_note", "satisfaction", "followed_up_at", "reopen_count", "closed_at",
    "archived_at", "created_at", "updated_at", "version",
    "assigned_at", "accept_yellow_at", "yellow_at", "card_changed_at",
)  # fmt: skip

N = "\\N"


def _lookup(table, codes: np.ndarray) -> list[str]:
    return [table[k] if k >= 0 else N for k in codes]


def _ints(values: np.ndarray) -> list[str]:
    return [str(v) if v >= 0 else N for v in values]


def _floats(values: np.ndarray) -> list[str]:
    return [N if v != v else repr(float(v)) for v in values]


def _times(values: np.ndarray) -> list[str]:
    text = np.datetime_as_string(values, unit="s")
    return [N if t == "NaT" else t + "Z" for t in text]


SUGGESTION_COLUMNS = (
    "report_id", "duplicates", "suggested_category_code", "category_reasons", "suggested_risk",
    "risk_rank", "risk_reasons", "junk_score", "junk_reasons", "computed_at", "reading",
    "text_key",
)  # fmt: skip


@cache
def _reading_of_text(description: str) -> str:
    """A text's reading as stored JSON, as intake keeps it with its suggestions: without it,
    every neighbour a new report is scored against was segmented again (jieba, 17 more cuts per
    report at 1M), a cost production does not have (issue 19, h21b). Once per distinct text
    (about 106,000 at 1M)."""
    reading = json.dumps(stored(terms(description)), ensure_ascii=False, separators=(",", ":"))
    return _copy_text(reading)


def _copy_text(value: str) -> str:
    """COPY's text format: backslash, tab and newlines escaped."""
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def render_suggestion_rows(reports: Reports, start: int, stop: int) -> list[str]:
    """COPY text lines of report_suggestions: what pre-sorting said when each report arrived.

    The category is the one its text is about, the risk the one the cleaner later gave (low
    while untriaged); the reports still in the queue are recomputed by the service afterwards.
    """
    c, codes = reports.columns, reports.lookups["category_codes"]
    sl = slice(start, stop)
    risk = np.maximum(c["risk"][sl], 0)
    empty = ["[]"] * (stop - start)
    cols = [
        np.arange(start + 1, stop + 1).astype(str),
        empty,
        _lookup(codes, c["topic"][sl]),
        empty,
        _lookup(RISK_LEVELS, risk),
        (risk + 1).astype(str),
        empty,
        ["0"] * (stop - start),
        empty,
        _times(c["created"][sl]),
    ]
    descriptions = _descriptions(reports, sl)
    days = c["created"][sl].astype("datetime64[D]").astype(object)  # UTC dates
    cols += [
        [_reading_of_text(d) for d in descriptions],
        [keyed_on_day(d, day) for d, day in zip(descriptions, days, strict=True)],
    ]
    return ["\t".join(row) for row in zip(*cols, strict=True)]
