"""The lists admin forms choose from (areas, units, roles), so nobody types a code."""

from sqlalchemy import select

from app.accounts.models import ROLES
from app.areas.models import LEVEL_NAMES_ZH, Area
from app.console.labels import ROLE_NAMES
from app.extensions import db
from app.units.models import UNIT_KINDS, Unit

UNIT_KIND_NAMES = {
    "subdistrict": "镇/街道",
    "community": "村/社区",
    "department": "职能部门",
    "district": "区县",
}
assert set(UNIT_KIND_NAMES) == set(UNIT_KINDS)


def area_options() -> list[tuple[str, str]]:
    """Every area as (code, name indented by its depth, with its level), in tree order."""
    rows = db.session.execute(select(Area.code, Area.name, Area.level, Area.path)).all()
    rows.sort(key=lambda r: r.path)
    indent = "　"  # a full-width space per level below the top
    return [
        (r.code, f"{indent * max(0, r.path.count('/') - 2)}{r.name}（{LEVEL_NAMES_ZH[r.level]}）")
        for r in rows
    ]


def area_names(codes) -> dict[str, str]:
    codes = [c for c in codes if c]
    if not codes:
        return {}
    return dict(db.session.execute(select(Area.code, Area.name).where(Area.code.in_(codes))).all())


def unit_options(active_only: bool = False) -> list[tuple[str, str]]:
    query = select(Unit.code, Unit.name, Unit.active).order_by(Unit.name, Unit.code)
    return [
        (r.code, r.name if r.active else f"{r.name}（已停用）")
        for r in db.session.execute(query)
        if r.active or not active_only
    ]


def role_options() -> list[tuple[str, str]]:
    return [(role, ROLE_NAMES.get(role, role)) for role in ROLES]


def unit_kind_options() -> list[tuple[str, str]]:
    return [(kind, UNIT_KIND_NAMES[kind]) for kind in UNIT_KINDS]


def category_options(with_parents: bool = True) -> list[tuple[str, str]]:
    """Active categories as (code, "大类 / 小类"), in the console's order."""
    from app.categories.models import Category

    rows = db.session.execute(
        select(Category.code, Category.name, Category.parent_code)
        .where(Category.active.is_(True))
        .order_by(Category.sort_order, Category.code)
    ).all()
    names = {r.code: r.name for r in rows}
    options = []
    for r in rows:
        if r.parent_code is None:
            if with_parents:
                options.append((r.code, r.name))
            options += [
                (child.code, f"{r.name} / {child.name}")
                for child in rows
                if child.parent_code == r.code
            ]
    known = {code for code, _ in options}
    options += [(r.code, names.get(r.code, r.code)) for r in rows if r.code not in known]
    return options


def category_label_map() -> dict[str, str]:
    """Every category (retired too) as "大类 / 小类", for showing stored codes."""
    from app.categories.models import Category

    rows = db.session.execute(select(Category.code, Category.name, Category.parent_code)).all()
    names = {r.code: r.name for r in rows}
    return {
        r.code: f"{names[r.parent_code]} / {r.name}" if r.parent_code in names else r.name
        for r in rows
    }
