"""The seeded category tree (纠纷类别), loaded by the first migration's data step and demo."""

from sqlalchemy import select

from app.categories.models import Category
from app.extensions import db

# (code, name, parent_code). Top level follows the kinds of dispute that 人民调解 ledgers
# use; children are the common sub-kinds a cleaner needs to route well.
CATEGORIES: tuple[tuple[str, str, str | None], ...] = (
    ("marriage_family", "婚姻家庭", None),
    ("marriage_family.divorce", "离婚纠纷", "marriage_family"),
    ("marriage_family.support", "赡养抚养", "marriage_family"),
    ("marriage_family.inheritance", "继承纠纷", "marriage_family"),
    ("neighbour", "邻里纠纷", None),
    ("neighbour.noise", "噪音扰民", "neighbour"),
    ("neighbour.water_leak", "漏水渗水", "neighbour"),
    ("neighbour.access", "通行采光", "neighbour"),
    ("housing_land", "房屋宅基地", None),
    ("property_mgmt", "物业纠纷", None),
    ("property_mgmt.fees", "物业收费", "property_mgmt"),
    ("property_mgmt.service", "物业服务", "property_mgmt"),
    ("contract", "合同纠纷", None),
    ("private_lending", "民间借贷", None),
    ("labour_wages", "劳动争议/欠薪", None),
    ("labour_wages.unpaid_wages", "拖欠工资", "labour_wages"),
    ("labour_wages.injury", "工伤纠纷", "labour_wages"),
    ("consumer", "消费纠纷", None),
    ("medical", "医疗纠纷", None),
    ("traffic_accident", "道路交通事故", None),
    ("damages", "损害赔偿", None),
    ("forest_land", "山林土地", None),
    ("land_requisition", "征地拆迁", None),
    ("pollution", "环境污染", None),
    ("safety_hazard", "安全隐患", None),
    ("safety_hazard.fire", "消防隐患", "safety_hazard"),
    ("safety_hazard.building", "房屋/设施安全", "safety_hazard"),
    ("safety_hazard.gas", "燃气安全", "safety_hazard"),
    ("public_order", "治安问题", None),
    ("other", "其他", None),
)


def seed_categories() -> int:
    """Add the seeded categories that are missing; never touches ones that exist."""
    existing = set(db.session.scalars(select(Category.code)))
    added = 0
    for order, (code, name, parent_code) in enumerate(CATEGORIES):
        if code not in existing:
            db.session.add(
                Category(code=code, name=name, parent_code=parent_code, sort_order=order)
            )
            added += 1
    db.session.flush()
    return added
