"""Tests for photo checks, EXIF GPS reading and metadata-free re-encoding."""

import hashlib
import io

import pytest
from PIL import Image, ImageCms, ImageFile
from PIL.TiffImagePlugin import IFDRational

from app.photos.processing import MAX_BYTES, PhotoRejected, ProcessedPhoto, process_photo
from tests.helpers.photos import (
    NAXI_GPS,
    NAXI_LAT,
    NAXI_LON,
    assert_no_metadata,
    dms,
    encode,
    exif_bytes,
    jpeg_with,
)


def reject(data: bytes, **kwargs) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, "upload.bin", **kwargs)
    return info.value


# --- EXIF GPS and stripping -----------------------------------------------------------------


def test_exif_gps_is_read_then_stripped():
    photo = process_photo(jpeg_with(NAXI_GPS), "IMG_0001.jpg")
    assert photo.exif_lat == pytest.approx(NAXI_LAT, abs=1e-9)
    assert photo.exif_lon == pytest.approx(NAXI_LON, abs=1e-9)
    assert_no_metadata(photo.image_bytes)
    assert_no_metadata(photo.thumb_bytes)


def test_exif_gps_southern_and_western_refs_are_negative():
    gps = {1: b"S\x00", 2: dms(33, 51, 3100), 3: "W", 4: dms(70, 40, 0)}
    photo = process_photo(jpeg_with(gps))
    assert photo.exif_lat == pytest.approx(-(33 + 51 / 60 + 31 / 3600))
    assert photo.exif_lon == pytest.approx(-(70 + 40 / 60))


def test_no_exif_means_no_position():
    photo = process_photo(encode(Image.new("RGB", (10, 10)), "JPEG"))
    assert (photo.exif_lon, photo.exif_lat) == (None, None)


@pytest.mark.parametrize(
    "gps",
    [
        {1: "N", 2: dms(28, 46, 3360)},  # longitude missing
        {2: dms(28, 46, 3360), 3: "E", 4: dms(105, 22, 1234)},  # latitude ref missing
        {1: "X", 2: dms(28, 46, 3360), 3: "E", 4: dms(105, 22, 1234)},  # unknown ref
        {1: "N", 2: (IFDRational(28, 0), 0.0, 0.0), 3: "E", 4: dms(105, 22, 1234)},  # x/0
        {1: "N", 2: dms(95, 0, 0), 3: "E", 4: dms(105, 22, 1234)},  # latitude > 90
        {1: "N", 2: dms(28, 75, 0), 3: "E", 4: dms(105, 22, 1234)},  # 75 minutes
        {1: "N", 2: dms(0, 0, 0), 3: "E", 4: dms(0, 0, 0)},  # "no fix" written as 0/0
    ],
    ids=["no-lon", "no-ref", "bad-ref", "zero-denominator", "lat-range", "minutes", "null"],
)
def test_malformed_gps_gives_none_not_an_error(gps):
    photo = process_photo(jpeg_with(gps))
    assert (photo.exif_lon, photo.exif_lat) == (None, None)


def test_other_metadata_is_stripped_too():
    img = Image.new("RGB", (30, 30), "green")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        img,
        "JPEG",
        exif=exif_bytes(gps=NAXI_GPS),
        comment=b"secret-comment",
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
        icc_profile=srgb,
    )
    photo = process_photo(data)
    assert_no_metadata(photo.image_bytes)
    assert b"secret" not in photo.image_bytes
    assert b"secret" not in photo.thumb_bytes


# --- orientation, size, formats -------------------------------------------------------------


def test_orientation_6_is_applied():
    # Left half red, right half blue, stored landscape with "rotate 90° clockwise" tag.
    img = Image.new("RGB", (40, 20), "blue")
    img.paste("red", (0, 0, 20, 20))
    photo = process_photo(encode(img, "JPEG", exif=exif_bytes(orientation=6)))
    assert (photo.width, photo.height) == (20, 40)
    with Image.open(io.BytesIO(photo.image_bytes)) as out:
        assert out.size == (20, 40)
        top, bottom = out.getpixel((10, 5)), out.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # left edge became the top: red
    assert bottom[2] > 200 and bottom[0] < 60


def test_large_photo_is_downscaled_and_thumbnailed():
    photo = process_photo(encode(Image.new("RGB", (4000, 3000), "white"), "JPEG"))
    assert (photo.width, photo.height) == (1600, 1200)
    with Image.open(io.BytesIO(photo.thumb_bytes)) as thumb:
        assert thumb.format == "JPEG"
        assert max(thumb.size) <= 320
    with Image.open(io.BytesIO(photo.image_bytes)) as display:
        assert display.size == (1600, 1200)


def test_sizes_can_be_overridden():
    photo = process_photo(
        encode(Image.new("RGB", (500, 250)), "PNG"), display_max_side=100, thumb_max_side=10
    )
    assert (photo.width, photo.height) == (100, 50)
    with Image.open(io.BytesIO(photo.thumb_bytes)) as thumb:
        assert max(thumb.size) <= 10


def test_small_photo_is_not_upscaled():
    photo = process_photo(encode(Image.new("RGB", (64, 48)), "JPEG"))
    assert (photo.width, photo.height) == (64, 48)


def test_result_fields():
    data = jpeg_with()
    photo = process_photo(data, "a.jpg")
    assert isinstance(photo, ProcessedPhoto)
    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.original_format == "JPEG"
    assert photo.content_type == "image/jpeg"
    with pytest.raises(AttributeError):
        photo.width = 1  # frozen


def test_png_with_alpha_becomes_jpeg_on_white():
    img = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    img.paste((255, 0, 0, 255), (0, 0, 10, 20))
    photo = process_photo(encode(img, "PNG"))
    assert photo.original_format == "PNG"
    with Image.open(io.BytesIO(photo.image_bytes)) as out:
        assert (out.format, out.mode) == ("JPEG", "RGB")
        assert all(c > 245 for c in out.getpixel((15, 10)))  # transparent -> white
        assert out.getpixel((3, 10))[0] > 200


def test_palette_png_with_transparency():
    img = Image.new("P", (16, 16), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, 8, 16))
    photo = process_photo(encode(img, "PNG", transparency=0))
    with Image.open(io.BytesIO(photo.image_bytes)) as out:
        assert all(c > 245 for c in out.getpixel((12, 8)))
        assert out.getpixel((3, 8))[0] > 200


def test_cmyk_jpeg_is_converted():
    photo = process_photo(encode(Image.new("CMYK", (20, 20), (0, 255, 255, 0)), "JPEG"))
    with Image.open(io.BytesIO(photo.image_bytes)) as out:
        assert out.mode == "RGB"
        r, g, b = out.getpixel((10, 10))
    assert r > 200 and g < 60 and b < 60


def test_16_bit_grey_png_keeps_its_tones():
    img = Image.new("I;16", (10, 10), 32768)  # mid grey, which naive conversion clips to white
    photo = process_photo(encode(img, "PNG"))
    with Image.open(io.BytesIO(photo.image_bytes)) as out:
        assert 110 < out.getpixel((5, 5))[0] < 145


def test_webp_is_accepted():
    photo = process_photo(encode(Image.new("RGB", (30, 20), "blue"), "WEBP"))
    assert photo.original_format == "WEBP"
    assert (photo.width, photo.height) == (30, 20)


def test_mpo_jpeg_from_phones_is_accepted():
    # Some phones write MPO (JPEG + extra frames); Pillow names it "MPO", users call it JPEG.
    first, second = Image.new("RGB", (30, 20), "red"), Image.new("RGB", (30, 20), "blue")
    photo = process_photo(encode(first, "MPO", save_all=True, append_images=[second]))
    assert photo.original_format == "JPEG"


# --- refusals -------------------------------------------------------------------------------


def test_too_many_bytes_is_413_before_anything_else():
    err = reject(b"\x89PNG\r\n\x1a\n" + bytes(11 * 1024 * 1024))
    assert (err.status, err.reason_code) == (413, "too_large")
    assert "10 MB" in err.message_zh and "10 MB" in err.message
    assert isinstance(err, ValueError)


def test_byte_limit_can_be_overridden():
    data = jpeg_with()
    assert len(data) <= MAX_BYTES
    assert reject(data, max_bytes=len(data) - 1).reason_code == "too_large"


@pytest.mark.parametrize(
    "data",
    [
        encode(Image.new("P", (10, 10)), "GIF"),
        encode(Image.new("RGB", (10, 10)), "BMP"),
        encode(Image.new("RGB", (10, 10)), "TIFF"),
        "这不是照片\n".encode(),
        b"",
        b"%PDF-1.4\n",
    ],
    ids=["gif", "bmp", "tiff", "text", "empty", "pdf"],
)
def test_other_types_are_bad_type(data):
    err = reject(data)
    assert (err.status, err.reason_code) == (422, "bad_type")
    assert err.message_zh and err.message


def test_format_allow_list_can_be_narrowed():
    err = reject(encode(Image.new("RGB", (10, 10)), "PNG"), allowed_formats=frozenset({"JPEG"}))
    assert err.reason_code == "bad_type"


def test_bomb_beyond_pillows_limit_is_refused():
    # 100 MP declared, a few KB on disk: Pillow's own bomb warning fires inside Image.open.
    bomb = encode(Image.new("1", (10000, 10000)), "PNG")
    assert len(bomb) < 100_000
    err = reject(bomb)
    assert (err.status, err.reason_code) == (422, "too_many_pixels")
    assert err.message_zh


def test_bomb_under_pillows_limit_is_refused_without_decoding(monkeypatch):
    # 49 MP: over our 40 MP but under Pillow's ~89 MP warning, so only our check stands.
    bomb = encode(Image.new("1", (7000, 7000)), "PNG")

    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert reject(bomb).reason_code == "too_many_pixels"


def test_pixel_limit_can_be_overridden():
    assert reject(jpeg_with(size=(100, 100)), max_pixels=9_999).reason_code == "too_many_pixels"


def test_pillow_global_limit_is_untouched():
    before = Image.MAX_IMAGE_PIXELS
    reject(encode(Image.new("1", (10000, 10000)), "PNG"))
    assert before == Image.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(
    "data",
    [
        encode(Image.new("RGB", (200, 200), "red"), "JPEG")[:300],  # truncated mid-scan
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # JPEG magic, garbage after
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
        b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 40,
    ],
    ids=["truncated-jpeg", "jpeg-garbage", "png-garbage", "webp-garbage"],
)
def test_damaged_files_are_corrupt(data):
    err = reject(data)
    assert (err.status, err.reason_code) == (422, "corrupt")
