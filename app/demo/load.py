"""Load the demo: areas, units, categories and one user per role. Safe to run again."""

from dataclasses import dataclass

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.service import create_user
from app.areas.importer import import_feature_collection
from app.areas.models import Area
from app.categories.seed import seed_categories
from app.demo.geography import CENTRE, DISTRICT_CODE, naxi_feature_collection
from app.extensions import db
from app.qr_sites.models import QrSite
from app.qr_sites.service import create_site, same_place
from app.triage.seed import seed_rules
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


# A few codes around the centre of 安富街道 (name, kind, metres east and north of CENTRE).
DEMO_QR_SITES = (
    ("幸福里小区3号楼", "building", 120, 60),
    ("安富农贸市场东门", "market", -160, 110),
    ("永宁路公交站", "bus_stop", 220, -140),
)


def _offset(east_m: float, north_m: float) -> tuple[float, float]:
    # Near enough for a few hundred metres at this latitude.
    return CENTRE[0] + east_m / 97_600, CENTRE[1] + north_m / 111_320


def _qr_sites() -> int:
    added = 0
    for name, kind, east, north in DEMO_QR_SITES:
        lon, lat = _offset(east, north)
        if same_place(name, lon, lat) is None:
            create_site(name, lon, lat, kind=kind)
            added += 1
    return added


def first_demo_site() -> QrSite | None:
    names = [name for name, *_ in DEMO_QR_SITES]
    return db.session.scalars(
        select(QrSite).where(QrSite.name.in_(names), QrSite.active.is_(True)).order_by(QrSite.id)
    ).first()


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
    seed_rules()
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
        "qr_sites": _qr_sites(),
    }
