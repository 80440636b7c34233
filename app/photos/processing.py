"""Check an uploaded photo, read its GPS position, and re-encode it without metadata."""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

__all__ = [
    "ALLOWED_FORMATS",
    "MAX_BYTES",
    "MAX_PIXELS",
    "PhotoRejected",
    "ProcessedPhoto",
    "process_photo",
]

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})

DISPLAY_QUALITY = 85
THUMB_QUALITY = 80

# Magic numbers of the allowed formats: only used to tell "damaged JPEG" (corrupt) from
# "not a JPEG at all" (bad_type) when Pillow cannot identify the bytes.
_MAGIC = {
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "WEBP": (b"RIFF",),  # plus b"WEBP" at offset 8, checked in _looks_like
}

# Pillow reports decoding trouble through many exception types depending on the plugin.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)

# Modes Pillow resizes smoothly; others ("1", "P", 16-bit) are converted before shrinking.
_RESIZABLE_MODES = frozenset({"RGB", "RGBA", "L", "LA", "CMYK"})


class PhotoRejected(ValueError):
    """An upload that cannot become a report photo; carries HTTP status and user text."""

    def __init__(self, reason_code: str, message: str, message_zh: str, status: int = 422):
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message
        self.message_zh = message_zh
        self.status = status


@dataclass(frozen=True)
class ProcessedPhoto:
    """A checked photo re-encoded as metadata-free JPEG, plus what was learnt from it."""

    image_bytes: bytes
    thumb_bytes: bytes
    width: int  # of image_bytes, i.e. after orientation and downscaling
    height: int
    original_format: str
    sha256: str  # of the uploaded bytes, so re-uploads of the same file can be spotted
    exif_lon: float | None  # WGS84 as written by the phone's GPS, if any
    exif_lat: float | None
    source_pixels: int = 0  # width × height of the upload as sent (what decoding it cost)

    content_type = "image/jpeg"  # class constant, not a field: both outputs are JPEG


def process_photo(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    allowed_formats: frozenset[str] = ALLOWED_FORMATS,
    display_max_side: int = 1600,
    thumb_max_side: int = 320,
) -> ProcessedPhoto:
    """Check, orient, downscale and strip an uploaded photo; raise PhotoRejected if unusable.

    The type is decided from the bytes alone; ``filename`` is only echoed in error text.
    """
    if len(data) > max_bytes:
        raise _too_large(max_bytes, filename)
    sha256 = hashlib.sha256(data).hexdigest()
    img, original_format = _open_checked(
        data, filename, allowed_formats, max_pixels, display_max_side
    )
    box = (display_max_side, display_max_side)
    source_pixels = img.width * img.height
    with img:
        exif_lon, exif_lat = _read_exif_gps(img)  # before anything can drop the EXIF
        _upright(img)
        if img.mode in _RESIZABLE_MODES:
            # Shrink before converting: on a 40 MP upload that saves copies of ~160 MB.
            img.thumbnail(box, Image.Resampling.LANCZOS)
        rgb = _to_rgb(img)
    rgb.thumbnail(box, Image.Resampling.LANCZOS)  # no-op unless shrinking had to wait
    display = _without_metadata(rgb)
    thumb = display.copy()
    thumb.thumbnail((thumb_max_side, thumb_max_side), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        image_bytes=_encode_jpeg(display, DISPLAY_QUALITY),
        thumb_bytes=_encode_jpeg(thumb, THUMB_QUALITY),
        width=display.width,
        height=display.height,
        original_format=original_format,
        sha256=sha256,
        exif_lon=exif_lon,
        exif_lat=exif_lat,
        source_pixels=source_pixels,
    )


# --- opening and refusing -------------------------------------------------------------------


def _open_checked(
    data: bytes,
    filename: str,
    allowed_formats: frozenset[str],
    max_pixels: int,
    display_max_side: int,
) -> tuple[Image.Image, str]:
    """Open and fully decode the image, refusing bombs before any pixel is decoded."""
    # The filter is process-wide while active (warnings are not thread-safe); a racing thread
    # at worst sees a plain warning, and the explicit pixel check below still refuses bombs.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=_pillow_formats(allowed_formats))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(max_pixels, filename) from None
        except UnidentifiedImageError:
            raise _unreadable(data, allowed_formats, filename) from None
        except _DECODE_ERRORS:
            raise _corrupt(filename) from None

        # MPO is what Pillow calls a JPEG carrying extra frames (depth maps, etc.).
        original_format = "JPEG" if img.format == "MPO" else (img.format or "")
        if original_format not in allowed_formats:
            img.close()
            raise _bad_type(filename)
        if img.width * img.height > max_pixels:
            img.close()
            raise _too_many_pixels(max_pixels, filename)
        try:
            _decode(img, display_max_side)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            img.close()
            raise _too_many_pixels(max_pixels, filename) from None
        except _DECODE_ERRORS:
            img.close()
            raise _corrupt(filename) from None
    return img, original_format


def _pillow_formats(allowed_formats: frozenset[str]) -> list[str]:
    # Only let Pillow try the plugins we accept, so exotic parsers never see user bytes.
    return sorted(allowed_formats)


def _decode(img: Image.Image, display_max_side: int) -> None:
    if img.format in ("JPEG", "MPO"):
        # Let libjpeg decode at 1/2..1/8 scale when the photo is far bigger than we keep;
        # it still comes out at least display-sized, and memory use drops up to 64x.
        img.draft("RGB", (display_max_side, display_max_side))
    img.load()


def _unreadable(data: bytes, allowed_formats: frozenset[str], filename: str) -> PhotoRejected:
    """Pillow could not identify the bytes: damaged allowed type, or something else."""
    if any(_looks_like(data, fmt) for fmt in allowed_formats):
        return _corrupt(filename)
    return _bad_type(filename)


def _looks_like(data: bytes, fmt: str) -> bool:
    if fmt == "WEBP" and data[8:12] != b"WEBP":
        return False
    return data.startswith(_MAGIC.get(fmt, ()))


# --- pixels ---------------------------------------------------------------------------------


def _upright(img: Image.Image) -> None:
    """Apply the EXIF orientation in place so a phone photo taken sideways stays upright."""
    # Malformed EXIF surfaces as many exception types from Pillow's TIFF parser; a broken
    # tag must not cost a resident their report, so keep the pixels as stored.
    with contextlib.suppress(Exception):
        ImageOps.exif_transpose(img, in_place=True)


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any mode to 8-bit sRGB; transparency becomes white, like paper."""
    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Pillow would clip 16-bit grey at 255 (all white); rescale to 8 bits instead.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif img.mode == "F":
        img = img.convert("L")
    if _has_alpha(img):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    managed = _icc_to_srgb(img)
    if managed is not None:
        return managed
    return img if img.mode == "RGB" else img.convert("RGB")


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "RGBa", "LA", "La", "PA") or (
        img.mode == "P" and "transparency" in img.info
    )


def _icc_to_srgb(img: Image.Image) -> Image.Image | None:
    """Convert through the embedded ICC profile, since the profile itself gets stripped.

    Without this, Display P3 phone photos and CMYK files would look wrong once their
    profile is dropped. Returns None when there is no usable profile.
    """
    icc = img.info.get("icc_profile")
    srgb = _srgb_profile()
    if not icc or srgb is None or img.mode not in ("RGB", "CMYK"):
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(img, source, srgb, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken profile is not worth refusing the photo over


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile | None:
    try:
        return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    except (ImportError, ImageCms.PyCMSError, OSError):
        return None  # Pillow built without LittleCMS: fall back to a plain conversion


def _without_metadata(img: Image.Image) -> Image.Image:
    """Copy only the pixels: Pillow re-saves some info keys (e.g. JPEG comments) by default."""
    return Image.frombytes("RGB", img.size, img.tobytes())


def _encode_jpeg(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


# --- EXIF GPS -------------------------------------------------------------------------------


def _read_exif_gps(img: Image.Image) -> tuple[float | None, float | None]:
    """Return (lon, lat) from the EXIF GPS IFD, or (None, None) if absent or implausible."""
    try:
        gps = img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        lat = _dms_to_degrees(
            gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90
        )
        lon = _dms_to_degrees(
            gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180
        )
    except Exception:
        # Same reasoning as _upright: bad EXIF means "no position", never a failed upload.
        return None, None
    if lat is None or lon is None:
        return None, None
    if lat == 0 and lon == 0:
        return None, None  # cameras write 0/0 when they had no fix; nobody reports from there
    return lon, lat


def _dms_to_degrees(
    value: Any, ref: Any, positive: str, negative: str, limit: float
) -> float | None:
    """Turn EXIF (degrees, minutes, seconds) rationals plus an N/S/E/W ref into degrees."""
    if value is None or ref is None:
        return None
    parts = (
        list(value)
        if isinstance(value, Sequence) and not isinstance(value, str | bytes)
        else [value]
    )
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [float(p) for p in parts]  # IFDRational -> float; 0 denominators become nan
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    if any(n >= 60 for n in numbers[1:]):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers))
    if degrees > limit:
        return None
    hemisphere = _ref_letter(ref)
    if hemisphere == positive:
        return degrees
    if hemisphere == negative:
        return -degrees
    return None


def _ref_letter(ref: Any) -> str:
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return str(ref).strip("\x00 ").upper()


# --- rejections -----------------------------------------------------------------------------


def _named(filename: str) -> str:
    return f" ({filename})" if filename else ""


def _too_large(max_bytes: int, filename: str) -> PhotoRejected:
    mb = f"{max_bytes / (1024 * 1024):g}"
    return PhotoRejected(
        "too_large",
        f"photo is larger than {mb} MB{_named(filename)}",
        f"照片超过 {mb} MB，请压缩后重新上传",
        status=413,
    )


def _bad_type(filename: str) -> PhotoRejected:
    return PhotoRejected(
        "bad_type",
        f"only JPEG, PNG and WebP photos are accepted{_named(filename)}",
        "只支持 JPEG、PNG、WebP 格式的照片",
    )


def _too_many_pixels(max_pixels: int, filename: str) -> PhotoRejected:
    return PhotoRejected(
        "too_many_pixels",
        f"photo has more than {max_pixels / 1_000_000:g} megapixels{_named(filename)}",
        f"照片像素过多（上限 {max_pixels / 10_000:g} 万像素），请缩小后重新上传",
    )


def _corrupt(filename: str) -> PhotoRejected:
    return PhotoRejected(
        "corrupt",
        f"photo file is damaged and cannot be read{_named(filename)}",
        "照片文件已损坏，无法读取，请重新拍摄或选择其他照片",
    )
