"""Creating, finding, rotating and disabling QR sites, and resolving a scanned code."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, select, update

from app.accounts.models import User
from app.areas.locate import Located, locate, wgs84_point
from app.areas.models import Area
from app.core.clock import now
from app.core.coords import haversine_m
from app.core.errors import Gone, Invalid, NotFound
from app.core.lookup import get_or_404
from app.core.spatial import point, to_shapely, xy
from app.extensions import db
from app.qr_sites.models import KINDS, QrSite
from app.qr_sites.signing import make_code, read_code

# Chinese kind names are accepted wherever a kind is given (CSV files are written by people).
KIND_BY_NAME = {name: code for code, name in KINDS.items()}
# Two rows naming the same place this close together are one site (re-running an import).
SAME_PLACE_METRES = 20.0


class CodeGone(Gone):
    """A code that was real once: its poster was replaced (rotated) or the site disabled."""

    def __init__(self, message: str, reason: str, site: "QrSite | PosterSite"):
        super().__init__(message)
        self.reason = reason
        self.site = site


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def site_code(site: QrSite) -> str:
    return make_code(site.id, site.rotation, _secret())


def site_url(site: QrSite) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/s/{site_code(site)}"


def site_serial(site: QrSite) -> str:
    """Printed under the poster, so a call about a torn poster can name the site."""
    return f"编号 {site.id:05d}-{site.rotation}"


def site_lon_lat(site: QrSite) -> tuple[float, float]:
    shape = to_shapely(site.location)
    return shape.x, shape.y


def kind_code(kind: str | None, field: str = "kind") -> str:
    kind = (kind or "").strip() or "other"
    if kind in KINDS:
        return kind
    if kind in KIND_BY_NAME:
        return KIND_BY_NAME[kind]
    raise Invalid.field(field, f"must be one of {', '.join(KINDS)} (or their Chinese names)")


def place_site(
    lon: float, lat: float, coord_sys: str = "wgs84", area_code: str | None = None
) -> tuple[Located, Area]:
    """Where a site at this point belongs (what `create_site` stores; a form previews it):
    the point located; a given area must be one the point lies in (or was snapped to)."""
    located = locate(lon, lat, coord_sys)
    if area_code:
        if db.session.scalar(select(Area.id).where(Area.code == area_code)) is None:
            raise Invalid.field("area_code", f"unknown area {area_code}")
        chosen = next((a for a in located.chain if a.code == area_code), None)
        if chosen is None:
            where = located.deepest.code if located.deepest else "no area"
            raise Invalid.field(
                "area_code", f"the point is not inside area {area_code} (it is in {where})"
            )
    else:
        chosen = located.deepest
    if chosen is None or located.routing_area is None:
        raise Invalid.field(
            "location", "the point is outside every sub-district; a code there would reach nobody"
        )
    return located, chosen


def create_site(
    name: str,
    lon: float,
    lat: float,
    *,
    kind: str | None = None,
    coord_sys: str = "wgs84",
    area_code: str | None = None,
    actor: User | None = None,
) -> QrSite:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid.field("name", "must not be empty")
    if len(name) > 100:
        raise Invalid.field("name", "at most 100 characters")
    kind = kind_code(kind)
    located, area = place_site(lon, lat, coord_sys, area_code)
    site = QrSite(
        name=name,
        kind=kind,
        location=point(located.lon, located.lat),
        area_code=area.code,
        area_path=area.path,
        subdistrict_code=located.routing_area.code,
        created_by_user_id=actor.id if actor else None,
    )
    db.session.add(site)
    db.session.flush()
    return site


def same_place(name: str, lon: float, lat: float, coord_sys: str = "wgs84") -> QrSite | None:
    """An active site of this name within a few metres: importing a file twice adds nothing."""
    lon, lat = wgs84_point(lon, lat, coord_sys)
    name = " ".join((name or "").split())
    namesakes = db.session.scalars(
        select(QrSite).where(QrSite.name == name, QrSite.active.is_(True)).order_by(QrSite.id)
    )
    return next(
        (s for s in namesakes if haversine_m(lon, lat, *site_lon_lat(s)) <= SAME_PLACE_METRES),
        None,
    )


def get_site(site_id: int) -> QrSite:
    return get_or_404(QrSite, site_id, "QR site")


def rotate(site: QrSite) -> QrSite:
    """A new code for the place; posters with the old one stop working at once."""
    if not site.active:
        raise Invalid.field("id", "the site is disabled; a disabled site gets no new code", "path")
    site.rotation += 1
    site.updated_at = now()
    return site


def disable(site: QrSite) -> QrSite:
    if site.active:
        site.active, site.disabled_at, site.updated_at = False, now(), now()
    return site


def resolve_code(code: str) -> QrSite:
    """The site behind a scanned code: 404 for made-up or edited codes, 410 for retired ones."""
    read = read_code(code, _secret())
    return _current(read, db.session.get(QrSite, read[0]) if read else None)


@dataclass(frozen=True)
class PosterSite:
    """What filing a report needs of the site behind a code: its id, whether the code is
    current, and its point as numbers."""

    id: int
    active: bool
    rotation: int
    lon: float
    lat: float


# Read as it is now, on the session's connection: an ORM get built a QrSite (its geometry
# parsed) for every report a poster sends, and a kept copy would miss an admin's rotation or
# retirement in the other worker.
_POSTER_SITE = select(QrSite.id, QrSite.active, QrSite.rotation, *xy(QrSite.location)).where(
    QrSite.id == bindparam("site_id")
)


def resolve_for_report(code: str) -> PosterSite:
    """resolve_code for filing a report: the same answers (404, 410), one Core read."""
    read = read_code(code, _secret())
    row = None
    if read:
        row = db.session.connection().execute(_POSTER_SITE, {"site_id": read[0]}).first()
    return _current(read, PosterSite(*row) if row is not None else None)


def _current(read: tuple[int, int] | None, site):
    """The site a code names, if that code is its current one: the one rule for both reads."""
    if site is None:
        raise NotFound("no such QR code", {"json": {"site_code": ["unknown code"]}})
    if not site.active:
        raise CodeGone("this QR site is disabled", "disabled", site)
    if read[1] != site.rotation:
        raise CodeGone("this QR code was replaced by a newer poster", "rotated", site)
    return site


# Built once, run on the session's connection: counting is one UPDATE with the increment in
# SQL (concurrent scans never overwrite each other), and it ran through the ORM's bulk-update
# path, statement built anew, on every report filed from a poster.
_SITES = QrSite.__table__
_COUNT_SCAN = (
    update(_SITES)
    .where(_SITES.c.id == bindparam("site_id"))
    .values(
        scan_count=_SITES.c.scan_count + 1,
        last_scan_at=bindparam("at", type_=_SITES.c.last_scan_at.type),
        updated_at=_SITES.c.updated_at,  # a scan is not an edit
    )
)
_COUNT_REPORT = (
    update(_SITES)
    .where(_SITES.c.id == bindparam("site_id"))
    .values(report_count=_SITES.c.report_count + 1, updated_at=_SITES.c.updated_at)
)


def count_scan(site: QrSite) -> None:
    db.session.connection().execute(_COUNT_SCAN, {"site_id": site.id, "at": now()})


def count_report(site: "QrSite | PosterSite") -> None:
    db.session.connection().execute(_COUNT_REPORT, {"site_id": site.id})
