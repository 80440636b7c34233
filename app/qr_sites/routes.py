"""QR sites for admins: create, list, rotate, disable, import a CSV, print posters."""

from flask import Response, g
from sqlalchemy import select

from app.areas.models import Area
from app.audit import subjects as audit
from app.core.errors import Invalid, NotFound
from app.core.pagination import page_by_id, page_schema
from app.extensions import Blueprint, db
from app.qr_sites import posters, service
from app.qr_sites.importer import decode_csv, import_sites
from app.qr_sites.models import QrSite
from app.qr_sites.schemas import (
    CsvUploadSchema,
    PosterSheetArgs,
    QrSiteCreateSchema,
    QrSiteImportResultSchema,
    QrSiteListArgs,
    QrSiteSchema,
)

blp = Blueprint(
    "qr_sites",
    __name__,
    url_prefix="/api/v1/qr-sites",
    description="QR sites (码点): the places residents scan, their codes and posters",
)

BINARY = {"type": "string", "format": "binary"}


@blp.post("")
@blp.staff("admin")
@blp.arguments(QrSiteCreateSchema)
@blp.response(201, QrSiteSchema)
def create_site(args):
    """Create a QR site at a point; its area and sub-district come from the point."""
    position = args["location"]
    site = service.create_site(
        args["name"],
        position["lon"],
        position["lat"],
        kind=args["kind"],
        coord_sys=position["coord_sys"],
        area_code=args["area_code"],
        actor=g.current_user,
    )
    audit.qr_site_created(site)
    db.session.commit()
    return site


@blp.get("")
@blp.staff("admin")
@blp.arguments(QrSiteListArgs, location="query")
@blp.response(200, page_schema(QrSiteSchema, "QrSitePage"))
def list_sites(args):
    """List QR sites, newest first, with scan and report counts."""
    query = select(QrSite)
    if args["active"] is not None:
        query = query.where(QrSite.active.is_(args["active"]))
    if args["area_code"]:
        path = db.session.scalar(select(Area.path).where(Area.code == args["area_code"]))
        if path is None:
            raise Invalid.field("area_code", f"unknown area {args['area_code']}", "query")
        query = query.where(QrSite.area_path.startswith(path, autoescape=True))
    items, cursor = page_by_id(query, QrSite.id, args["limit"], args["cursor"])
    return {"items": items, "next_cursor": cursor}


@blp.post("/import")
@blp.staff("admin")
@blp.arguments(CsvUploadSchema, location="files")
@blp.response(201, QrSiteImportResultSchema)
def import_csv(args):
    """Create many sites from a CSV of places (all rows or none); repeated rows are reused."""
    result = import_sites(decode_csv(args["file"].read()), actor=g.current_user)
    audit.qr_sites_imported(result)
    db.session.commit()
    return {
        "created": len(result.created),
        "existing": len(result.existing),
        "items": result.sites,
    }


@blp.get("/posters.pdf")
@blp.staff("admin")
@blp.arguments(PosterSheetArgs, location="query")
@blp.response(200, BINARY, content_type="application/pdf", description="A4 print sheet")
@blp.alt_response(404, response="NOT_FOUND")
def poster_sheet(args):
    """A PDF print sheet of the posters of the given sites, several per A4 page."""
    sites = {s.id: s for s in db.session.scalars(select(QrSite).where(QrSite.id.in_(args["ids"])))}
    missing = [str(i) for i in args["ids"] if i not in sites]
    if missing:
        raise NotFound(f"no QR site {', '.join(missing)}", {"query": {"ids": ["unknown ids"]}})
    pdf = posters.sheet_pdf([sites[i] for i in args["ids"]], args["per_page"])
    return _download(pdf, "application/pdf", "qr-posters.pdf")


@blp.get("/<int:site_id>")
@blp.staff("admin")
@blp.response(200, QrSiteSchema)
@blp.alt_response(404, response="NOT_FOUND")
def get_site(site_id: int):
    """One QR site."""
    return service.get_site(site_id)


@blp.get("/<int:site_id>/poster.png")
@blp.staff("admin")
@blp.response(200, BINARY, content_type="image/png", description="A5 poster, 200 dpi")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def poster(site_id: int):
    """The printable poster of one site: QR, 扫码反映问题, the place, a serial, the centre."""
    site = service.get_site(site_id)
    return _download(posters.poster_png(site), "image/png", f"qr-site-{site.id}.png")


@blp.post("/<int:site_id>/rotate")
@blp.staff("admin")
@blp.response(200, QrSiteSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def rotate(site_id: int):
    """Issue a new code (a poster was copied elsewhere); the old code stops working."""
    site = service.get_site(site_id)
    old_rotation = site.rotation
    service.rotate(site)
    audit.qr_site_rotated(site, old_rotation)
    db.session.commit()
    return site


@blp.delete("/<int:site_id>")
@blp.staff("admin")
@blp.response(200, QrSiteSchema)
@blp.alt_response(404, response="NOT_FOUND")
def disable(site_id: int):
    """Disable a site: its page says so and accepts nothing (the row and counts stay)."""
    site = service.get_site(site_id)
    was_active = site.active
    service.disable(site)
    audit.qr_site_disabled(site, was_active)
    db.session.commit()
    return site


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
