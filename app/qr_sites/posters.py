"""Posters for QR sites, drawn by the standalone `qr` package with the font found at start-up."""

from flask import current_app

from app.core.errors import Invalid
from app.qr_sites.models import QrSite
from app.qr_sites.service import site_serial, site_url
from qr import PosterText, find_cjk_font, render_poster_png, render_sheet_pdf

MAX_SHEET_POSTERS = 200


def check_font(app) -> str:
    """Find the CJK font once, when the app starts: a missing font fails loudly, not on paper."""
    path = find_cjk_font(app.config.get("CJK_FONT_PATH") or None)
    app.extensions["cjk_font"] = path
    return path


def _poster(site: QrSite) -> tuple[str, PosterText]:
    if not site.active:
        raise Invalid.field("ids", f"QR site {site.id} is disabled; its poster would not work")
    text = PosterText(site.name, site_serial(site), current_app.config["CENTRE_NAME"])
    return site_url(site), text


def poster_png(site: QrSite) -> bytes:
    url, text = _poster(site)
    return render_poster_png(url, text, current_app.extensions["cjk_font"])


def sheet_pdf(sites: list[QrSite], per_page: int = 2) -> bytes:
    if not sites:
        raise Invalid.field("ids", "no QR sites to print")
    if len(sites) > MAX_SHEET_POSTERS:
        raise Invalid.field("ids", f"at most {MAX_SHEET_POSTERS} posters per sheet")
    posters = [_poster(site) for site in sites]
    return render_sheet_pdf(posters, current_app.extensions["cjk_font"], per_page=per_page)
