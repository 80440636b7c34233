"""Statistics for supervisors: the overview, hotspots by area, repeat places, the map PNG."""

from flask import Response, current_app

from app.core.auth import current_user
from app.core.replica import reads_from_replica
from app.extensions import Blueprint
from app.stats.filters import ReportFilter
from app.stats.hotspots import (
    CELL_M,
    hotspot_collection,
    hotspot_map_png,
    map_font,
    repeat_place_collection,
)
from app.stats.overview import DEFINITIONS, overview
from app.stats.schemas import (
    HotspotArgs,
    HotspotCollectionSchema,
    MapArgs,
    OverviewArgs,
    OverviewSchema,
    PlaceCollectionSchema,
    RepeatPlaceArgs,
)

blp = Blueprint(
    "stats",
    __name__,
    url_prefix="/api/v1/stats",
    description="Statistics, hotspots and the risk map (一本账, 一屏尽览)",
)
ROLES = ("supervisor", "admin")
ROLES_DOC = "Roles: supervisor, admin. Counts only cases in the caller's areas.\n\n"
HOTSPOT_DOC = (
    "Each area at `level` (default subdistrict) in the caller's areas, or containing them, "
    "with the number of cases received in `[since, until)` whose position lies inside it "
    "(by the case's area path, so a case counts in its grid, community and sub-district), "
    "and those counts by category. `outside_areas`: cases that fell outside every area."
)


@blp.get("/overview")
@blp.doc(description=ROLES_DOC + DEFINITIONS)
@blp.staff(*ROLES)
@blp.arguments(OverviewArgs, location="query")
@blp.response(200, OverviewSchema)
@reads_from_replica
def get_overview(args):
    """Counts, 化解率, 按时办结率, 满意率, 返工 and times to dispatch and resolve."""
    return overview(current_user(), ReportFilter.from_args(args), args.get("group_by"))


@blp.get("/hotspots")
@blp.doc(description=ROLES_DOC + HOTSPOT_DOC)
@blp.staff(*ROLES)
@blp.arguments(HotspotArgs, location="query")
@blp.response(200, HotspotCollectionSchema)
@reads_from_replica
def get_hotspots(args):
    """Areas at a level with their case counts, as a GeoJSON FeatureCollection."""
    return hotspot_collection(current_user(), args["level"], ReportFilter.from_args(args))


@blp.get("/hotspots.png")
@blp.doc(
    description=ROLES_DOC
    + "The hotspots as a choropleth PNG with Chinese labels, legend and period, drawn from "
    "the area polygons alone (no map tiles, works offline). 503 when no CJK font is installed."
)
@blp.staff(*ROLES)
@blp.arguments(MapArgs, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png")
@blp.alt_response(503, description="no font with Chinese glyphs is installed")
@reads_from_replica
def get_hotspot_map(args):
    """The hotspot map as a PNG image."""
    png = hotspot_map_png(
        current_user(),
        args["level"],
        ReportFilter.from_args(args),
        args["width"],
        map_font(current_app.config["CJK_FONT_PATH"]),
        current_app.config["CENTRE_NAME"],
    )
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


@blp.get("/repeat-places")
@blp.doc(
    description=ROLES_DOC
    + f"溯源治理: places where at least `min_reports` cases were received in the window — "
    f"QR sites (every case filed from one poster), and {CELL_M:.0f} m squares on four grids "
    "shifted by half a square (so a tight group near an "
    "edge is not split), fullest first, overlapping squares reported once. Point = centre of "
    "the cases; `bbox` = the square."
)
@blp.staff(*ROLES)
@blp.arguments(RepeatPlaceArgs, location="query")
@blp.response(200, PlaceCollectionSchema)
@reads_from_replica
def get_repeat_places(args):
    """Places where the same trouble keeps coming back (QR sites, 100 m clusters)."""
    return repeat_place_collection(
        current_user(), ReportFilter.from_args(args), args["min_reports"], args["limit"]
    )
