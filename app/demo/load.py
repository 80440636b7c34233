"""Load the demo: areas, units, categories and one user per role. Safe to run again."""

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.service import create_user
from app.areas.importer import import_feature_collection
from app.areas.models import Area
from app.categories.seed import seed_categories
from app.demo.geography import DISTRICT_CODE, naxi_feature_collection
from app.extensions import db
from app.units.models import Unit
from app.workflow.seed import seed_workflow

# Demo only: these passwords are printed by `make run` and written in the README.
DEMO_PASSWORD = "jiefen-demo"
DISTRICT_UNIT = "unit-510503"


def unit_code_for(area_code: str) -> str:
    return f"unit-{area_code}"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    area: str | None
    unit: str | None
    display_name: str


DEMO_USERS = (
    DemoUser("admin", "admin", None, None, "系统管理员"),
    DemoUser("supervisor", "supervisor", DISTRICT_CODE, DISTRICT_UNIT, "督办领导"),
    DemoUser("cleaner", "cleaner", DISTRICT_CODE, DISTRICT_UNIT, "信息清洗员"),
    DemoUser("responder", "responder", "510503001", unit_code_for("510503001"), "安富街道处置员"),
    DemoUser("gridworker", "grid_worker", "510503001", None, "安富街道网格员"),
)


def _units_for(areas: list[Area]) -> int:
    names = {"district": "社会治理中心", "subdistrict": "综治中心", "community": "调委会"}
    existing = set(db.session.scalars(select(Unit.code)))
    added = 0
    for area in areas:
        if area.level in names and unit_code_for(area.code) not in existing:
            db.session.add(
                Unit(
                    code=unit_code_for(area.code),
                    name=f"{area.name}{names[area.level]}",
                    kind=area.level,
                    area_code=area.code,
                )
            )
            added += 1
    db.session.flush()
    return added


def load_demo() -> dict[str, int]:
    seeded = seed_categories()
    result = import_feature_collection(naxi_feature_collection())
    areas = list(db.session.scalars(select(Area).order_by(Area.path)))
    units = _units_for(areas)
    users = 0
    existing = set(db.session.scalars(select(User.username)))
    for demo in DEMO_USERS:
        if demo.username not in existing:
            create_user(
                demo.username,
                DEMO_PASSWORD,
                [demo.role],
                [demo.area] if demo.area else [],
                demo.unit,
                demo.display_name,
            )
            users += 1
    # Deadline policies and the holiday calendar (the migration seeds them too; never duplicated).
    seed_workflow()
    return {
        "categories": seeded,
        "areas_created": result.created,
        "units": units,
        "users": users,
    }
