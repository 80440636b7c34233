"""Photos and form posts for the public pages' tests."""

import io

from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.photos.models import Photo
from app.reports.models import Report
from tests.helpers.photos import NAXI_GPS, NAXI_LAT, NAXI_LON, encode, jpeg_with

__all__ = ["NAXI_GPS", "NAXI_LAT", "NAXI_LON", "counts", "photo", "upload"]


def photo(size=(800, 600), gps: dict | None = None, fmt: str = "JPEG") -> bytes:
    if fmt == "JPEG":
        return jpeg_with(gps=gps, size=size)
    return encode(Image.effect_noise(size, 40).convert("RGB"), fmt)


def upload(data: bytes, name: str = "photo.jpg"):
    return (io.BytesIO(data), name)


def counts() -> tuple[int, int]:
    """Committed (reports, photos): the tests share the app context, so drop what is pending."""
    db.session.rollback()
    return (
        db.session.scalar(select(func.count(Report.id))),
        db.session.scalar(select(func.count(Photo.id))),
    )
