"""Posters and print sheets: the QR decodes, survives dirt, and fonts are checked."""

import io
import re
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from pyzbar.pyzbar import decode

from qr import (
    FontNotFound,
    PosterText,
    find_cjk_font,
    render_poster_image,
    render_poster_png,
    render_sheet_pdf,
)

URL = "https://example.test/s/AB12-xyz"
TEXT = PosterText(
    place_name="幸福里社区3号楼东单元门口", serial="AB12-xyz", centre_name="城关镇综治中心"
)

# (centre x, centre y, radius) as fractions of the QR symbol's side, grey level.
# They stay off the three finder patterns: a reader cannot even locate a symbol
# without those, however much error correction it has.
BLOTCHES = [
    ((0.50, 0.50, 0.13), 90),
    ((0.78, 0.62, 0.09), 0),
    ((0.55, 0.82, 0.09), 120),
    ((0.62, 0.25, 0.07), 40),
]


def decoded_urls(image: Image.Image) -> list[str]:
    return [symbol.data.decode() for symbol in decode(image)]


def test_poster_png_decodes_to_the_exact_url():
    image = Image.open(io.BytesIO(render_poster_png(URL, TEXT)))

    assert image.format == "PNG"
    assert image.size == (1165, 1654)
    assert decoded_urls(image) == [URL]


def test_poster_survives_dirt_over_part_of_the_code():
    image = render_poster_image(URL, TEXT)
    [symbol] = decode(image)
    left, top, side, _ = symbol.rect
    dirt = Image.new("L", image.size, 0)
    dirty = image.copy()
    for (cx, cy, r), grey in BLOTCHES:
        box = [
            left + (cx - r) * side,
            top + (cy - r) * side,
            left + (cx + r) * side,
            top + (cy + r) * side,
        ]
        ImageDraw.Draw(dirty).ellipse(box, fill=grey)
        ImageDraw.Draw(dirt).ellipse(box, fill=255)

    covered = dirt.crop((left, top, left + side, top + side)).histogram()[255] / side**2
    assert 0.10 <= covered <= 0.15
    assert decoded_urls(dirty) == [URL]


def test_caption_is_drawn_in_the_top_band():
    image = render_poster_image(URL, TEXT)
    band = image.crop((0, 0, image.width, image.height // 8))
    dark = sum(band.point(lambda v: 255 if v < 128 else 0).histogram()[255:])

    assert dark > 0.03 * band.width * band.height


def test_long_place_name_still_renders_and_decodes():
    text = PosterText("幸福里社区" * 12, "AB12-xyz", "城关镇社会治理综合服务中心" * 3)

    assert decoded_urls(render_poster_image(URL, text)) == [URL]


def sheet_posters(count: int) -> list[tuple[str, PosterText]]:
    return [
        (f"https://example.test/s/P{i:03d}", PosterText(f"{i}号楼", f"P{i:03d}", "综治中心"))
        for i in range(count)
    ]


@pytest.mark.parametrize(("per_page", "pages"), [(1, 5), (2, 3), (4, 2)])
def test_sheet_pdf_pages_and_every_poster_decodes(per_page, pages):
    posters = sheet_posters(5)
    reader = PdfReader(io.BytesIO(render_sheet_pdf(posters, per_page=per_page)))

    assert len(reader.pages) == pages
    # A4 portrait, in points.
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [595, 842]
    found = [url for page in reader.pages for url in decoded_urls(page.images[0].image)]
    assert sorted(found) == [url for url, _ in posters]


def test_sheet_rejects_empty_list_and_unsupported_layout():
    with pytest.raises(ValueError):
        render_sheet_pdf([])
    with pytest.raises(ValueError, match="per_page"):
        render_sheet_pdf(sheet_posters(1), per_page=3)


def test_missing_font_path_is_named_in_the_error(tmp_path):
    missing = str(tmp_path / "no-such-font.ttc")

    with pytest.raises(FontNotFound, match=re.escape(missing)) as excinfo:
        render_poster_png(URL, TEXT, font_path=missing)
    assert "fonts-wqy-microhei" in str(excinfo.value)


def test_no_default_font_lists_paths_tried(monkeypatch, tmp_path):
    monkeypatch.setattr("qr.fonts.DEFAULT_FONT_PATHS", (str(tmp_path / "gone.ttc"),))

    with pytest.raises(FontNotFound, match=r"gone\.ttc") as excinfo:
        find_cjk_font()
    assert "CJK_FONT_PATH" in str(excinfo.value)
    assert isinstance(excinfo.value, RuntimeError)


def test_file_that_is_not_a_font_is_refused(tmp_path):
    bogus = tmp_path / "font.ttf"
    bogus.write_text("not a font")

    with pytest.raises(FontNotFound, match=r"font\.ttf.*not a readable font"):
        find_cjk_font(str(bogus))


def latin_only_font() -> str | None:
    """A font fontconfig says covers English but not Chinese, if the machine has one."""
    if not shutil.which("fc-list"):
        return None

    def files(lang: str) -> set[str]:
        out = subprocess.run(
            ["fc-list", f":lang={lang}", "file"], capture_output=True, text=True, check=False
        ).stdout
        return {line.rstrip(": ").strip() for line in out.splitlines() if line.strip()}

    latin = sorted(
        (path for path in files("en") - files("zh") if path.endswith((".ttf", ".otf"))),
        key=lambda path: ("DejaVuSans.ttf" not in path, path),
    )
    return latin[0] if latin else None


def test_latin_only_font_is_refused():
    path = latin_only_font()
    if path is None:
        pytest.skip("no Latin-only font installed; the missing-file test covers FontNotFound")

    with pytest.raises(FontNotFound, match="no glyph"):
        find_cjk_font(path)


def test_default_font_draws_chinese():
    assert find_cjk_font().endswith((".ttc", ".ttf", ".otf"))
