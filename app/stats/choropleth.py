"""The hotspot map as a PNG: areas shaded by case count, Chinese labels, legend, period.

Drawn from the area polygons alone with Pillow: no tile server, so it works on a closed network.
"""

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageDraw
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from app.core.spatial import METRES_PER_DEGREE
from qr.fonts import load_font

# ColorBrewer YlOrRd, five classes: light for few cases, dark red for many.
PALETTE = ((255, 255, 178), (254, 204, 92), (253, 141, 60), (240, 59, 32), (189, 0, 38))
ZERO_FILL = (238, 238, 238)
BACKGROUND = (255, 255, 255)
BORDER = (80, 80, 80)
TEXT = (30, 30, 30)
MUTED = (110, 110, 110)
SCALE_STEPS_M = (50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)


@dataclass(frozen=True)
class MapArea:
    name: str
    count: int
    geometry: BaseGeometry


@dataclass(frozen=True)
class MapText:
    title: str
    subtitle: str
    footer: str
    total: int
    outside: int = 0


def class_breaks(max_count: int, classes: int = len(PALETTE)) -> list[tuple[int, int]]:
    """Equal whole-number classes from 1 to max: [(1, 8), (9, 16), …]; none when all are 0."""
    if max_count <= 0:
        return []
    step = math.ceil(max_count / classes)
    return [(lo, min(lo + step - 1, max_count)) for lo in range(1, max_count + 1, step)]


def fill_for(count: int, breaks: list[tuple[int, int]]) -> tuple[int, int, int]:
    for index, (lo, hi) in enumerate(breaks):
        if lo <= count <= hi:
            return PALETTE[index + len(PALETTE) - len(breaks)]
    return ZERO_FILL


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    if isinstance(geometry, MultiPolygon):
        return list(geometry.geoms)
    return []


class _Projection:
    """Equirectangular around the map's middle latitude: right for a district-sized map."""

    def __init__(self, bounds, box: tuple[int, int, int, int]):
        minx, miny, maxx, maxy = bounds
        self.kx = math.cos(math.radians((miny + maxy) / 2))
        width_deg = max((maxx - minx) * self.kx, 1e-9)
        height_deg = max(maxy - miny, 1e-9)
        x0, y0, w, h = box
        self.scale = min(w / width_deg, h / height_deg)
        self.ox = x0 + (w - width_deg * self.scale) / 2
        self.oy = y0 + (h - height_deg * self.scale) / 2
        self.minx, self.maxy = minx, maxy

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.ox + (lon - self.minx) * self.kx * self.scale,
            self.oy + (self.maxy - lat) * self.scale,
        )

    def ring(self, coords) -> list[tuple[float, float]]:
        return [self(x, y) for x, y, *_ in coords]

    @property
    def metres_per_pixel(self) -> float:
        return METRES_PER_DEGREE / self.scale


def _fit_box(bounds, width: int) -> tuple[int, int]:
    """Pixel width and height of the map frame for these bounds (aspect kept, sane limits)."""
    minx, miny, maxx, maxy = bounds
    kx = math.cos(math.radians((miny + maxy) / 2))
    aspect = max(maxy - miny, 1e-9) / max((maxx - minx) * kx, 1e-9)
    height = int(min(max(width * aspect, width * 0.5), width * 1.4))
    return width, height


def render_choropleth_png(areas: list[MapArea], text: MapText, font_path: str, width: int) -> bytes:
    s = width / 1200
    margin, header, footer_h, legend_w = int(28 * s), int(110 * s), int(48 * s), int(240 * s)
    geometries = [a.geometry for a in areas if not a.geometry.is_empty]
    bounds = _union_bounds(geometries) if geometries else (0.0, 0.0, 1.0, 1.0)
    map_w, map_h = _fit_box(bounds, width - 2 * margin - legend_w)
    height = header + map_h + footer_h
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)

    def font(size: float):
        return load_font(font_path, max(int(size * s), 9))

    draw.text((margin, int(24 * s)), text.title, font=font(34), fill=TEXT)
    draw.text((margin, int(72 * s)), text.subtitle, font=font(20), fill=MUTED)
    box = (margin, header, map_w, map_h)
    breaks = class_breaks(max((a.count for a in areas), default=0))

    if not geometries:
        draw.text(
            (margin + map_w // 2, header + map_h // 2),
            "没有可显示的区域",
            font=font(24),
            fill=MUTED,
            anchor="mm",
        )
    else:
        project = _Projection(bounds, box)
        _draw_areas(draw, areas, project, breaks, s)
        _draw_labels(draw, areas, project, font)
        _draw_scale_and_north(draw, project, box, font, s)
    _draw_legend(draw, breaks, text, (margin + map_w + int(24 * s), header), font, s)
    draw.text((margin, height - int(34 * s)), text.footer, font=font(15), fill=MUTED)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _union_bounds(geometries: list[BaseGeometry]) -> tuple[float, float, float, float]:
    boxes = [g.bounds for g in geometries]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _draw_areas(draw, areas, project, breaks, s) -> None:
    for area in areas:
        for polygon in _polygons(area.geometry):
            draw.polygon(project.ring(polygon.exterior.coords), fill=fill_for(area.count, breaks))
            for hole in polygon.interiors:
                draw.polygon(project.ring(hole.coords), fill=BACKGROUND)
    line = max(1, round(1.6 * s))
    for area in areas:
        for polygon in _polygons(area.geometry):
            for ring in (polygon.exterior, *polygon.interiors):
                draw.line(project.ring(ring.coords), fill=BORDER, width=line, joint="curve")


def _draw_labels(draw, areas, project, font) -> None:
    name_font, count_font = font(20), font(17)
    for area in areas:
        if area.geometry.is_empty:
            continue
        x, y = project(*area.geometry.representative_point().coords[0])
        minx, miny, maxx, maxy = area.geometry.bounds
        left, _ = project(minx, miny)
        right, _ = project(maxx, maxy)
        count_text = f"{area.count} 件"
        outline = {"stroke_width": 2, "stroke_fill": BACKGROUND, "fill": TEXT, "anchor": "mm"}
        # A name wider than its area would sit on the neighbours: show the count alone.
        if draw.textlength(area.name, font=name_font) <= (right - left) * 1.1:
            draw.text((x, y - name_font.size * 0.6), area.name, font=name_font, **outline)
            draw.text((x, y + count_font.size * 0.7), count_text, font=count_font, **outline)
        else:
            draw.text((x, y), count_text, font=count_font, **outline)


def _draw_scale_and_north(draw, project, box, font, s) -> None:
    x0, y0, w, h = box
    per_px = project.metres_per_pixel
    metres = max((m for m in SCALE_STEPS_M if m / per_px <= w / 4), default=SCALE_STEPS_M[0])
    length = metres / per_px
    bx, by = x0 + int(8 * s), y0 + h - int(16 * s)
    draw.line([(bx, by), (bx + length, by)], fill=TEXT, width=max(2, int(3 * s)))
    for tick in (bx, bx + length):
        draw.line([(tick, by - int(6 * s)), (tick, by)], fill=TEXT, width=max(1, int(2 * s)))
    label = f"{metres // 1000} 公里" if metres >= 1000 else f"{metres} 米"
    draw.text((bx, by - int(10 * s)), label, font=font(14), fill=TEXT, anchor="ld")
    nx, ny = x0 + w - int(24 * s), y0 + int(12 * s)
    size = int(12 * s)
    draw.polygon(
        [(nx, ny), (nx - size / 2, ny + size * 1.6), (nx + size / 2, ny + size * 1.6)], fill=TEXT
    )
    draw.text((nx, ny + size * 1.8), "北", font=font(14), fill=TEXT, anchor="ma")


def _draw_legend(draw, breaks, text: MapText, origin, font, s) -> None:
    x, y = origin
    draw.text((x, y), "案件数（件）", font=font(18), fill=TEXT)
    y += int(36 * s)
    swatch = int(22 * s)
    rows = [(ZERO_FILL, "0")]
    for index, (lo, hi) in enumerate(breaks):
        colour = PALETTE[index + len(PALETTE) - len(breaks)]
        rows.append((colour, str(lo) if lo == hi else f"{lo}–{hi}"))
    for colour, label in rows:
        draw.rectangle([x, y, x + swatch, y + swatch], fill=colour, outline=BORDER)
        draw.text(
            (x + swatch + int(10 * s), y + swatch / 2), label, font=font(16), fill=TEXT, anchor="lm"
        )
        y += swatch + int(10 * s)
    y += int(16 * s)
    draw.text((x, y), f"合计 {text.total} 件", font=font(18), fill=TEXT)
    if text.outside:
        y += int(30 * s)
        draw.text((x, y), f"其中区域外 {text.outside} 件", font=font(15), fill=MUTED)
