"""Printable scan-to-report posters: QR code plus Chinese captions, as PNG or PDF sheet."""

from qr.fonts import DEFAULT_FONT_PATHS, FontNotFound, find_cjk_font
from qr.poster import PosterText, render_poster_image, render_poster_png, render_sheet_pdf

__all__ = [
    "DEFAULT_FONT_PATHS",
    "FontNotFound",
    "PosterText",
    "find_cjk_font",
    "render_poster_image",
    "render_poster_png",
    "render_sheet_pdf",
]
