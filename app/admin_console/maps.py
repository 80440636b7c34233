"""Offline SVG maps for the admin pages, drawn on the server from the polygons (no tiles).

`preview_map` shows an uploaded file's features over the existing sub-districts; `pick_map` is
the sub-district map a QR site is placed on by a click (a script turns the click into lon/lat
from the frame written on the picture; without script, coordinates are typed).
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

from app.console.mapsvg import Frame, outlines, rings_of

PREVIEW_SIZE = (640, 420)
PICK_SIZE = (640, 420)
MAX_LABELS = 40


@dataclass(frozen=True)
class Drawn:
    """One uploaded feature to draw: its outline in WGS84 and whether it was refused."""

    code: str
    name: str
    rings: tuple
    bad: bool


def _svg_open(frame: Frame, label: str, extra: str = "", svg_id: str = "") -> str:
    ident = f' id="{svg_id}"' if svg_id else ""
    return (
        f'<svg{ident} class="map big" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" {extra}>'
    )


def _existing(frame: Frame, parts: list[str], highlight: str | None = None) -> None:
    for outline in outlines():
        cls = "area here" if outline.code == highlight else "area"
        for ring in outline.rings:
            parts.append(f'<polygon class="{cls}" points="{frame.points(ring)}"/>')
        cx, cy = frame.at(*outline.centre)
        parts.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle">{escape(outline.name)}</text>'
        )


def preview_map(features: list[Drawn]) -> Markup:
    """The file's features (refused ones marked) over the existing sub-districts."""
    existing = outlines()
    xs = [x for o in existing for r in o.rings for x, _ in r]
    ys = [y for o in existing for r in o.rings for _, y in r]
    xs += [x for f in features for r in f.rings for x, _ in r]
    ys += [y for f in features for r in f.rings for _, y in r]
    if not xs:
        return Markup('<p class="muted">没有可以画出的边界。</p>')
    frame = Frame.around(xs, ys, *PREVIEW_SIZE)
    parts = [_svg_open(frame, "上传文件的边界（红色为不合格的要素）与现有街道")]
    _existing(frame, parts)
    for feature in features:
        cls = "upload bad" if feature.bad else "upload"
        for ring in feature.rings:
            parts.append(f'<polygon class="{cls}" points="{frame.points(ring)}"/>')
    if len(features) <= MAX_LABELS:
        for feature in features:
            if feature.rings:
                xs_, ys_ = zip(*feature.rings[0], strict=True)
                cx, cy = frame.at(sum(xs_) / len(xs_), sum(ys_) / len(ys_))
                parts.append(
                    f'<text class="upload-label" x="{cx:.1f}" y="{cy:.1f}" '
                    f'text-anchor="middle">{escape(feature.code)}</text>'
                )
    parts.append("</svg>")
    return Markup("".join(parts))


def drawn(code: str, name: str, shape, bad: bool) -> Drawn:
    return Drawn(code, name, rings_of(shape), bad)


def pick_map(lon: float | None = None, lat: float | None = None, highlight: str | None = None):
    """The sub-districts to click on; the frame is on the picture for the script."""
    existing = outlines()
    xs = [x for o in existing for r in o.rings for x, _ in r]
    ys = [y for o in existing for r in o.rings for _, y in r]
    if not xs:
        return Markup('<p class="muted">还没有街道边界：请先在“区域”页导入。</p>')
    frame = Frame.around(xs, ys, *PICK_SIZE)
    parts = [
        _svg_open(
            frame,
            "街道地图：点击放置码点",
            extra=f'data-pick="lon lat" {frame.attributes()}',
            svg_id="pick-map",
        )
    ]
    _existing(frame, parts, highlight)
    if lon is not None and lat is not None:
        px, py = frame.at(lon, lat)
        parts.append(f'<circle id="pick-pin" class="pin" cx="{px:.1f}" cy="{py:.1f}" r="6"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
