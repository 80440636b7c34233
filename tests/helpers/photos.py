"""Test images: JPEGs with EXIF (GPS near 纳溪, orientation) and the check that none is left."""

import io

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def dms(degrees: int, minutes: int, centiseconds: int) -> tuple[IFDRational, ...]:
    # Pillow 12 wants IFDRational (or floats) here; plain (num, den) tuples fail in tobytes().
    return (IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(centiseconds, 100))


def exif_bytes(*, orientation: int | None = None, gps: dict | None = None) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if gps is not None:
        exif.get_ifd(GPS_IFD).update(gps)
    return exif.tobytes()


# 纳溪-ish position: 28°46'33.60" N, 105°22'12.34" E.
NAXI_GPS = {1: "N", 2: dms(28, 46, 3360), 3: "E", 4: dms(105, 22, 1234)}
NAXI_LAT = 28 + 46 / 60 + 33.60 / 3600
NAXI_LON = 105 + 22 / 60 + 12.34 / 3600


def jpeg_with(gps: dict | None = None, orientation: int | None = None, size=(40, 20)) -> bytes:
    img = Image.new("RGB", size, "red")
    return encode(img, "JPEG", exif=exif_bytes(orientation=orientation, gps=gps))


def assert_no_metadata(data: bytes) -> None:
    assert b"Exif" not in data
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        exif = img.getexif()
        assert len(exif) == 0
        assert len(exif.get_ifd(GPS_IFD)) == 0
        for key in ("exif", "icc_profile", "comment", "xmp"):
            assert key not in img.info
