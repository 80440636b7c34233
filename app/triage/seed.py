"""The seeded triage rules, loaded by the migration's data step, the demo and the tests."""

from sqlalchemy import select

from app.extensions import db
from app.triage.models import TriageRule

# Words in Chinese reports that point at a category: (category code, weight, keywords).
CATEGORY_KEYWORDS: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("neighbour.noise", 1.0, ("噪音", "噪声", "扰民", "太吵", "很吵", "吵闹", "装修", "电钻",
                              "广场舞", "音响", "狗叫", "喧哗")),
    ("neighbour.water_leak", 1.0, ("漏水", "渗水", "滴水", "水管爆", "天花板发霉", "防水")),
    ("neighbour.access", 1.0, ("通行", "采光", "挡路", "堵路", "挡住窗", "过道", "占用楼道", "车位",
                               "乱停", "占道")),
    ("neighbour", 0.5, ("邻居", "邻里", "楼上", "楼下", "隔壁", "对门")),
    ("neighbour", 1.0, ("养狗", "遛狗", "狗咬", "咬伤", "拴绳", "牵绳")),
    ("marriage_family.divorce", 1.0, ("离婚", "分居", "夫妻", "老公", "老婆", "家暴")),
    ("marriage_family.support", 1.0, ("赡养", "抚养", "抚养费", "生活费", "不管老人", "养老",
                                      "子女", "赶出家门")),
    ("marriage_family.inheritance", 1.0, ("继承", "遗产", "遗嘱", "分家")),
    ("housing_land", 1.0, ("宅基地", "地界", "建房", "房屋产权", "房产证", "违建", "违章搭建")),
    ("property_mgmt.fees", 1.0, ("物业费", "停车费", "乱收费", "公摊", "维修基金")),
    ("property_mgmt.service", 1.0, ("物业", "保洁", "电梯坏", "电梯故障", "门禁", "保安")),
    ("contract", 1.0, ("合同", "违约", "定金", "押金", "协议")),
    ("private_lending", 1.0, ("借钱", "借款", "借条", "借给", "欠钱", "欠款", "还钱", "不还",
                              "利息")),
    ("labour_wages.unpaid_wages", 1.5, ("欠薪", "讨薪", "工资", "工钱", "拖欠", "包工头",
                                        "劳务费")),
    ("labour_wages.injury", 1.0, ("工伤", "工地受伤", "干活受伤", "摔伤")),
    ("consumer", 1.0, ("退款", "退货", "商家", "假货", "质量问题", "消费", "预付卡", "健身房")),
    ("medical", 1.0, ("医院", "医疗", "医生", "手术", "误诊")),
    ("traffic_accident", 1.0, ("车祸", "追尾", "撞车", "被撞", "交通事故", "剐蹭", "撞伤")),
    ("damages", 0.7, ("赔偿", "损坏", "弄坏", "砸坏")),
    ("forest_land", 1.0, ("山林", "林地", "土地承包", "承包地", "田边", "田坎")),
    ("land_requisition", 1.0, ("征地", "拆迁", "补偿款", "安置房", "征收")),
    ("pollution", 1.0, ("污染", "排污", "臭味", "恶臭", "油烟", "粉尘", "污水", "黑烟", "垃圾焚烧",
                         "垃圾堆", "垃圾站", "垃圾桶", "清运", "乱倒")),
    ("safety_hazard.fire", 1.2, ("消防", "飞线充电", "电动车充电", "楼道堆放", "灭火器", "消防通道",
                                 "起火", "着火", "冒烟", "私拉电线", "电瓶车")),
    ("safety_hazard.building", 1.0, ("危房", "裂缝", "墙体", "脱落", "坍塌", "倒塌", "井盖")),
    ("safety_hazard.gas", 1.2, ("燃气", "煤气", "天然气", "漏气", "液化气")),
    ("public_order", 1.0, ("打架", "斗殴", "打人", "动手", "打起来", "盗窃", "小偷", "被偷", "赌博",
                            "醉酒", "闹事", "寻衅")),
)  # fmt: skip

# Urgency words: (level, keywords). A case with these must never wait behind noise complaints.
RISK_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("critical", ("持刀", "拿刀", "砍人", "杀人", "跳楼", "跳河", "自杀", "轻生", "寻死", "不想活",
                  "爆炸", "纵火", "放火", "泼汽油", "同归于尽", "煤气泄漏", "燃气泄漏")),
    ("high", ("打架", "斗殴", "打人", "群体", "聚集", "集体", "上访", "欠薪", "讨薪", "围堵",
              "堵门", "拉横幅", "扬言", "威胁", "家暴", "流血", "受伤", "报复", "闹事")),
    ("medium", ("争吵", "吵架", "冲突", "推搡", "多次", "反复", "老人", "孩子", "残疾", "报警")),
)  # fmt: skip

# How many people, and how much money, make a case bigger (风险分级: 较大 / 重大).
RISK_THRESHOLDS: tuple[tuple[str, float, str], ...] = (
    ("people_at_least", 10, "high"),
    ("people_at_least", 3, "medium"),
    ("amount_at_least", 100_000, "high"),
    ("amount_at_least", 10_000, "medium"),
)


def seeded_rules() -> list[dict]:
    """Every seeded rule as a row (kind, match, pattern, target, weight)."""
    rows = [
        {"kind": "category", "match": "keyword", "pattern": word, "target": code, "weight": weight}
        for code, weight, words in CATEGORY_KEYWORDS
        for word in words
    ]
    rows += [
        {"kind": "risk", "match": "keyword", "pattern": word, "target": level, "weight": 1.0}
        for level, words in RISK_KEYWORDS
        for word in words
    ]
    rows += [
        {"kind": "risk", "match": match, "pattern": f"{number:g}", "target": level, "weight": 1.0}
        for match, number, level in RISK_THRESHOLDS
    ]
    return rows


def _key(kind: str, match: str, pattern: str, target: str) -> tuple[str, str, str, str]:
    return kind, match, pattern, target


def seed_rules() -> int:
    """Add the seeded rules that are missing; never touches rules that exist."""
    existing = {
        _key(*row)
        for row in db.session.execute(
            select(TriageRule.kind, TriageRule.match, TriageRule.pattern, TriageRule.target)
        )
    }
    added = 0
    for row in seeded_rules():
        if _key(row["kind"], row["match"], row["pattern"], row["target"]) not in existing:
            db.session.add(TriageRule(**row, active=True))
            added += 1
    db.session.flush()
    return added
