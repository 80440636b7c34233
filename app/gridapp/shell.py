"""The app shell: the few files a phone keeps to open the app with no network.

Built once per process from the package's files (and the icons drawn with Pillow), gzipped
once, and named by a version (a hash of everything in it): the service worker carries the
version, so a changed shell reaches phones on their next open with a network.
"""

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template
from PIL import Image, ImageDraw, ImageFont

from app.console.labels import (
    ACTION_NAMES,
    CHANNEL_NAMES,
    METHOD_NAMES,
    RISK_NAMES,
    SATISFACTION_NAMES,
    STATUS_NAMES,
)
from app.reports.models import PARTY_ROLES
from app.stats.labels import OUTCOME_NAMES

STATIC = Path(__file__).resolve().parent / "static"
NAME, SHORT_NAME = "解纷网格通", "网格通"
THEME = "#a8201a"
ICON_SIZES = (192, 512)
# Photos are shrunk on the phone to this longest side before they are stored or sent.
PHOTO_SIDE = 1600
MAX_PHOTOS = 9  # app.photos.service.MAX_PHOTOS_PER_REPORT


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes | None
    mimetype: str
    etag: str


def _asset(body: bytes, mimetype: str, compress: bool = True) -> Asset:
    etag = hashlib.sha256(body).hexdigest()[:20]
    gzipped = gzip.compress(body, 9, mtime=0) if compress else None
    return Asset(body, gzipped, mimetype, etag)


def labels() -> dict:
    """The Chinese words the app shows for stored values: the console's, not a copy."""
    return {
        "status": STATUS_NAMES,
        "action": ACTION_NAMES,
        "risk": RISK_NAMES,
        "channel": CHANNEL_NAMES,
        "satisfaction": SATISFACTION_NAMES,
        "method": METHOD_NAMES,
        "outcome": OUTCOME_NAMES,
        "party_roles": list(PARTY_ROLES),
        "max_photos": MAX_PHOTOS,
        "photo_side": PHOTO_SIDE,
    }


def icon_png(size: int, maskable: bool = False) -> bytes:
    """A red square with 解 in white; the maskable one keeps the glyph in the safe zone."""
    image = Image.new("RGB", (size, size), THEME)
    draw = ImageDraw.Draw(image)
    if not maskable:
        # Rounded corners on a light ground, as launchers show ordinary icons.
        image.paste((255, 255, 255), (0, 0, size, size))
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=THEME)
    glyph = int(size * (0.5 if maskable else 0.62))
    font = ImageFont.truetype(current_app.extensions["cjk_font"], glyph)
    draw.text((size / 2, size / 2), "解", fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _manifest() -> bytes:
    icons = [
        {"src": f"/app/icons/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png"}
        for s in ICON_SIZES
    ]
    icons.append(
        {
            "src": "/app/icons/maskable-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    manifest = {
        "name": NAME,
        "short_name": SHORT_NAME,
        "description": "网格员上报、待同步、我的网格与回访",
        "lang": "zh-CN",
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f3f4f6",
        "theme_color": THEME,
        "icons": icons,
    }
    return json.dumps(manifest, ensure_ascii=False, indent=1).encode()


def build() -> dict[str, Asset]:
    assets = {
        "app.js": _asset((STATIC / "app.js").read_bytes(), "application/javascript"),
        "app.css": _asset((STATIC / "app.css").read_bytes(), "text/css"),
        "manifest.webmanifest": _asset(_manifest(), "application/manifest+json"),
    }
    for size in ICON_SIZES:
        assets[f"icons/icon-{size}.png"] = _asset(icon_png(size), "image/png", compress=False)
    assets["icons/maskable-512.png"] = _asset(icon_png(512, True), "image/png", compress=False)
    page = render_template(
        "gridapp/index.html",
        labels=json.dumps(labels(), ensure_ascii=False),
        name=NAME,
        short_name=SHORT_NAME,
        theme=THEME,
    )
    assets[""] = _asset(page.encode(), "text/html")
    version = hashlib.sha256(
        "".join(f"{name}:{asset.etag};" for name, asset in sorted(assets.items())).encode()
    ).hexdigest()[:12]
    worker = render_template(
        "gridapp/sw.js",
        version=version,
        shell=json.dumps([f"/app/{name}" for name in assets]),
    )
    assets["sw.js"] = _asset(worker.encode(), "application/javascript")
    return assets


def shell() -> dict[str, Asset]:
    """The shell of this app, built on first use (the icons need the app's font)."""
    built = current_app.extensions.get("gridapp_shell")
    if built is None or current_app.debug:
        built = current_app.extensions["gridapp_shell"] = build()
    return built
