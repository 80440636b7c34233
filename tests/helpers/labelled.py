"""A labelled set of generated reports for the duplicate finder (fixed seed).

Clusters of true duplicates: one matter at one place, reported by several people within three
days in their own words (different templates, different ways of naming the place). Look-alikes
that are NOT duplicates: another matter at the same place (often in the same days), the same
words at a place kilometres away, and the same matter at the same place weeks earlier.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SEED = 20251121
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
METRES_PER_DEG_LAT = 111_320.0
METRES_PER_DEG_LON = 97_640.0  # at 28.75°N

PLACES = (
    "阳光花园", "滨江苑", "金沙湾", "幸福里", "桂花园", "龙湖小区", "锦绣家园", "东升社区",
    "丰乐花园", "南苑小区", "翠屏山庄", "康乐新村", "永宁苑", "安富新城", "云溪花园",
    "水井沟小区", "棉花坡安置小区", "新乐小区", "江景华府", "大渡口新村", "白节镇政府宿舍",
    "护国路还房小区", "天仙新居", "合面安居苑",
)  # fmt: skip

# matter → (category code a grid worker would choose, templates; {p} is the place).
MATTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "renovation_noise": ("neighbour.noise", (
        "{p}楼上装修噪音太大，每天早上七点就开始打电钻，老人孩子都休息不好",
        "{p}有住户装修，电钻声一天到晚响个不停，吵得没法睡午觉",
        "反映{p}装修扰民问题，周末也在敲墙施工，声音特别大",
        "{p}某户装修施工不按规定时间，中午和晚上还在砸墙，太吵了",
        "楼上天天敲敲打打搞装修，{p}好多邻居都受不了这个噪音",
    )),
    "water_leak": ("neighbour.water_leak", (
        "{p}楼上卫生间漏水，我家天花板全湿了，找他们几次都不管",
        "{p}我家厨房顶上一直在渗水，应该是楼上水管坏了，楼上不配合维修",
        "{p}楼上住户家里漏水渗到我家，墙皮都泡掉了，要求他们修也不修",
        "我住{p}，楼上家的水往下滴，墙面发霉，协商不成",
        "{p}楼上防水没做好，一用水就往我家滴水，和楼上吵了好几次",
    )),
    "unpaid_wages": ("labour_wages.unpaid_wages", (
        "{p}旁边的工地拖欠我们工人工资，包工头跑了，十几个人的工钱没结",
        "{p}那个工地老板欠薪三个月了，我们二十多个农民工讨薪无门",
        "在{p}工地干活，工资一直不发，找项目部也推来推去",
        "{p}建筑工地拖欠工钱，总共欠了五万多，工人们准备去堵门",
        "我们在{p}的工地做了半年，工资到现在还没结清，老板电话也不接",
    )),
    "fight": ("public_order", (
        "{p}门口有两个人在打架，已经见血了，快来人",
        "{p}楼下两家人因为停车位吵起来然后动手打人了",
        "刚才{p}有几个人斗殴，一个人头被打破了",
        "{p}这边有人打架闹事，场面很乱",
        "{p}两个邻居打起来了，一个老人被推倒受伤",
    )),
    "ebike_charging": ("safety_hazard.fire", (
        "{p}楼道里有人拉电线给电动车充电，太危险了",
        "{p}好几户把电瓶车推进楼道充电，飞线充电存在消防隐患",
        "{p}电动车在楼道里充电，晚上一直插着，担心起火",
        "反映{p}一楼楼道私拉电线充电的问题，楼道还堆满杂物",
        "{p}楼梯间停满电动车还在充电，消防通道都堵了",
    )),
    "property_fees": ("property_mgmt.fees", (
        "{p}物业乱收费，停车费一年涨了两次也不公示",
        "{p}物业强行收取电梯维修费，业主不同意就停水停电",
        "{p}物业费收了服务却很差，垃圾没人清，还要涨价",
        "我们{p}的物业公司乱收费，多收公摊费用，业主很不满",
        "{p}物业要求补交三年物业费才给办门禁卡，太不合理",
    )),
    "dog": ("neighbour", (
        "{p}有户人家养的大狗不拴绳，已经咬伤了一个小孩",
        "{p}有人遛狗不牵绳，狗扑人，老人孩子都害怕",
        "{p}楼下那只大狗天天乱跑，今天把我家孩子咬了",
        "{p}有只狗没拴好咬了路人，狗主人不愿意赔偿",
        "反映{p}养狗不文明的问题，狗经常追着人咬",
    )),
    "garbage": ("pollution", (
        "{p}垃圾堆了一个星期没人清运，臭味很大",
        "{p}门口的垃圾桶满了好几天也没人收，苍蝇蚊子很多",
        "{p}垃圾站没人管，到处都是垃圾，夏天臭得受不了",
        "{p}的生活垃圾堆在路边好多天了，一直没有人来运走",
        "反映{p}环境卫生太差，垃圾乱倒乱堆，气味刺鼻",
    )),
    "cooking_fumes": ("pollution", (
        "{p}楼下的烧烤店油烟直接往楼上排，窗户都不敢开",
        "{p}底商饭馆排油烟扰民，家里全是油烟味",
        "{p}一楼开了个餐馆，油烟管道对着居民窗户排放",
        "{p}楼下火锅店的油烟和噪音严重影响居民生活",
        "反映{p}餐饮店油烟污染的问题，没有安装净化设备",
    )),
    "elder_support": ("marriage_family.support", (
        "{p}有位八十多岁的老人，几个子女都不愿意赡养",
        "{p}一个老人生病了，儿子儿媳不管，老人没人照顾",
        "{p}的王大爷子女不尽赡养义务，生活费也不给",
        "反映{p}老人赡养纠纷，兄弟几个互相推诿",
        "{p}有老人被子女赶出家门，现在没地方住",
    )),
    "manhole": ("safety_hazard.building", (
        "{p}门口的井盖丢了，晚上很危险，已经有人差点掉进去",
        "{p}路边有个井盖破了一个大洞，容易伤人",
        "{p}附近窨井盖缺失，只用树枝挡着，存在安全隐患",
        "{p}前面的下水道井盖松动，车一压就翻起来",
        "反映{p}路口井盖损坏的问题，希望尽快更换",
    )),
    "parking": ("neighbour.access", (
        "{p}有人长期把车停在消防通道上，救护车都进不来",
        "{p}我的车位被人占了，和对方沟通多次无果",
        "{p}有辆车堵在单元门口好几天，大家进出都不方便",
        "{p}私家车乱停乱放，把小区主干道都堵死了",
        "反映{p}占用消防通道停车的问题，物业也不管",
    )),
    "square_dance": ("neighbour.noise", (
        "{p}广场舞音响声音开得特别大，晚上十点还在跳",
        "{p}每天晚上有人跳广场舞，音乐很吵，影响学生学习",
        "{p}旁边空地跳舞的音响太响了，劝了也不听",
        "反映{p}广场舞扰民，每天早晚两次",
        "{p}楼下跳广场舞放音乐，噪音太大，家里老人睡不着",
    )),
    "private_loan": ("private_lending", (
        "{p}的邻居借了我三万块钱，说好半年还，现在一直拖着不还",
        "我借给{p}一个熟人两万元，有借条，他现在不接电话",
        "{p}有人向我借钱后不还，金额一万五，多次催要无果",
        "反映{p}借款纠纷，对方欠钱不还还威胁我",
        "{p}的朋友借钱做生意亏了，欠我的钱不还",
    )),
}  # fmt: skip


@dataclass
class Labelled:
    key: int  # position in the generated list
    group: str  # reports sharing a group are duplicates of each other
    kind: str  # cluster, weeks_apart, far_away
    description: str
    lon: float
    lat: float
    at: datetime
    category_code: str | None
    channel: str


def _place_points() -> list[tuple[float, float]]:
    """A 6 × 4 grid over the test district: places are kilometres apart."""
    return [(105.315 + 0.034 * col, 28.712 + 0.025 * row) for row in range(4) for col in range(6)]


def _jitter(rng: random.Random, lon: float, lat: float, metres: float) -> tuple[float, float]:
    dx, dy = rng.uniform(-metres, metres), rng.uniform(-metres, metres)
    return lon + dx / METRES_PER_DEG_LON, lat + dy / METRES_PER_DEG_LAT


def _place_phrase(rng: random.Random, name: str, building: int) -> str:
    unit = rng.randint(1, 4)
    estate = name if name.endswith(("小区", "社区", "新村", "宿舍")) else f"{name}小区"
    return rng.choice(
        (name, estate, f"{name}{building}栋", f"{name}{building}号楼",
         f"{name}{building}栋{unit}单元", "我们小区", f"{estate}这里")
    )  # fmt: skip


def generate() -> list[Labelled]:
    """About 230 reports in time order, each with its duplicate group."""
    rng = random.Random(SEED)
    points = _place_points()
    drafts: list[dict] = []
    clusters: list[list[dict]] = []
    for index, name in enumerate(PLACES):
        lon, lat = points[index]
        for matter in rng.sample(sorted(MATTERS), rng.choice((2, 3, 3, 4))):
            category, templates = MATTERS[matter]
            size = rng.choice((1, 2, 2, 3, 3, 4, 5))
            building = rng.randint(1, 20)
            start = START + timedelta(days=rng.uniform(30, 75))
            members = []
            for template in rng.sample(templates, size):
                drafts.append(
                    member := {
                        "group": f"{name}/{matter}",
                        "kind": "cluster",
                        "description": template.format(p=_place_phrase(rng, name, building)),
                        "point": _jitter(rng, lon, lat, 80),
                        "at": start + timedelta(hours=rng.uniform(0, 72)),
                        "matter": matter,
                        "place": (name, lon, lat),
                        "category": category if rng.random() < 0.3 else None,
                    }
                )
                members.append(member)
            clusters.append(members)
    for members in rng.sample(clusters, 18):
        # The same matter at the same place, weeks before: an old case, not this one.
        first = min(members, key=lambda m: m["at"])
        name, lon, lat = first["place"]
        template = rng.choice(MATTERS[first["matter"]][1])
        drafts.append(
            {
                **first,
                "group": f"{first['group']}/earlier",
                "kind": "weeks_apart",
                "description": template.format(p=_place_phrase(rng, name, rng.randint(1, 20))),
                "point": _jitter(rng, lon, lat, 80),
                "at": first["at"] - timedelta(days=rng.uniform(15, 28)),
            }
        )
    for members in rng.sample(clusters, 22):
        # The very same words, written about a place kilometres away.
        copied = rng.choice(members)
        lon, lat = copied["point"]
        far = (lon + rng.choice((-1, 1)) * 0.017, lat + rng.choice((-1, 1)) * 0.0125)
        drafts.append(
            {
                **copied,
                "group": f"{copied['group']}/far",
                "kind": "far_away",
                "point": far,
                "at": copied["at"] + timedelta(hours=rng.uniform(-24, 24)),
            }
        )
    drafts.sort(key=lambda d: d["at"])
    return [
        Labelled(
            key,
            d["group"],
            d["kind"],
            d["description"],
            *d["point"],
            d["at"],
            d["category"],
            "grid_worker" if d["category"] else "qr_scan",
        )
        for key, d in enumerate(drafts)
    ]


def true_pairs(items: list[Labelled]) -> set[tuple[int, int]]:
    """(later key, earlier key) for every two reports of one cluster."""
    pairs = set()
    for later in items:
        for earlier in items:
            if earlier.key < later.key and earlier.group == later.group:
                pairs.add((later.key, earlier.key))
    return pairs
