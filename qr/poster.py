"""Render scan-to-report posters (PNG) and print sheets of them (PDF)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import qrcode
from PIL import Image, ImageDraw, ImageFont

from qr.fonts import find_cjk_font, load_font

A5_MM = (148.0, 210.0)
A4_MM = (210.0, 297.0)
QUIET_ZONE_MODULES = 4
# Blank space kept around each poster on a sheet: room for an imprecise cut and
# clear of the unprintable border most office printers have.
SHEET_CUT_MARGIN_MM = 6.0
# (columns, rows) of posters on an A4 portrait page.
SHEET_GRIDS: dict[int, tuple[int, int]] = {1: (1, 1), 2: (1, 2), 4: (2, 2)}


@dataclass(frozen=True)
class PosterText:
    place_name: str
    serial: str
    centre_name: str
    caption: str = "扫码反映问题"


@dataclass(frozen=True)
class _TextBlock:
    lines: list[str]
    font: ImageFont.FreeTypeFont
    line_height: int

    @property
    def height(self) -> int:
        return len(self.lines) * self.line_height

    def draw(self, draw: ImageDraw.ImageDraw, centre_x: int, top: int) -> int:
        """Draw the lines centred on `centre_x` from `top`; return the y below the block."""
        for line in self.lines:
            draw.text((centre_x, top), line, font=self.font, fill=0, anchor="ma")
            top += self.line_height
        return top


def _mm_to_px(mm: float, dpi: float) -> int:
    return round(mm / 25.4 * dpi)


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    # Chinese has no spaces to break at, so break between any two characters.
    lines: list[str] = []
    line = ""
    for char in text:
        if line and font.getlength(line + char) > max_width:
            lines.append(line.rstrip())
            line = char.lstrip()
        else:
            line += char
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit_text(
    text: str, font_path: str, max_width: int, size: int, min_size: int, max_lines: int
) -> _TextBlock:
    """Lay `text` out in at most `max_lines` lines, shrinking from `size` to `min_size`."""
    text = " ".join(text.split())
    while True:
        font = load_font(font_path, size)
        lines = _wrap(text, font, max_width)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(min_size, int(size * 0.92))
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > max_width:
            last = last[:-1]
        lines[-1] = last + "…"
    elif len(lines) > 1:
        # Even the lines out so a long name does not end in one orphaned character.
        width = font.getlength(text) / len(lines)
        while len(balanced := _wrap(text, font, width)) > len(lines):
            width += size / 2
        lines = balanced
    ascent, descent = font.getmetrics()
    return _TextBlock(lines, font, round((ascent + descent) * 1.1))


def _qr_image(url: str, max_side: int) -> Image.Image:
    # Level H restores up to 30% of damaged codewords: posters live on dirty walls.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_H, border=QUIET_ZONE_MODULES
    )
    code.add_data(url)
    code.make(fit=True)
    # Whole pixels per module, so every module prints the same size.
    code.box_size = max(1, max_side // (code.modules_count + 2 * QUIET_ZONE_MODULES))
    return code.make_image().get_image().convert("L")


def render_poster_image(
    url: str, text: PosterText, font_path: str | None = None, *, dpi: float = 200
) -> Image.Image:
    """Render an A5 portrait poster: caption, QR code for `url`, place name, centre and serial."""
    font = find_cjk_font(font_path)
    width, height = _mm_to_px(A5_MM[0], dpi), _mm_to_px(A5_MM[1], dpi)

    def px(value: float) -> int:
        # Sizes below are tuned at 200 dpi and scale with the resolution.
        return round(value * dpi / 200)

    margin, gap = px(60), px(36)
    content_width = width - 2 * margin
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    centre_x = width // 2

    caption = _fit_text(text.caption, font, content_width, px(150), px(60), 1)
    top = caption.draw(draw, centre_x, margin) + gap

    footer = [
        _fit_text(text.centre_name, font, content_width, px(44), px(26), 2),
        _fit_text(text.serial, font, content_width, px(36), px(22), 1),
    ]
    bottom = height - margin - sum(block.height for block in footer)
    y = bottom
    for block in footer:
        y = block.draw(draw, centre_x, y)
    bottom -= gap

    name = _fit_text(text.place_name, font, content_width, px(84), px(40), 2)
    name_height = name.height + gap if name.lines else 0
    qr = _qr_image(url, min(content_width, bottom - top - name_height))
    # Centre QR plus name in the space between caption and footer.
    y = top + (bottom - top - qr.height - name_height) // 2
    image.paste(qr, ((width - qr.width) // 2, y))
    name.draw(draw, centre_x, y + qr.height + gap)
    return image


def render_poster_png(
    url: str, text: PosterText, font_path: str | None = None, *, dpi: int = 200
) -> bytes:
    """Render one poster as PNG bytes, tagged with `dpi` so it prints at A5."""
    buffer = io.BytesIO()
    image = render_poster_image(url, text, font_path, dpi=dpi)
    image.save(buffer, "PNG", dpi=(dpi, dpi), optimize=True)
    return buffer.getvalue()


def render_sheet_pdf(
    posters: list[tuple[str, PosterText]],
    font_path: str | None = None,
    *,
    per_page: int = 2,
    dpi: int = 200,
) -> bytes:
    """Lay (url, text) posters out `per_page` (1, 2 or 4) to an A4 page; return a PDF."""
    if not posters:
        raise ValueError("no posters to put on the sheet")
    if per_page not in SHEET_GRIDS:
        raise ValueError(f"per_page must be one of {sorted(SHEET_GRIDS)}, not {per_page}")
    font = find_cjk_font(font_path)
    columns, rows = SHEET_GRIDS[per_page]
    cell_mm = (A4_MM[0] / columns, A4_MM[1] / rows)
    # Two to a page means landscape half-pages: an A5 portrait poster fits them sideways.
    rotate = cell_mm[0] > cell_mm[1]
    poster_mm = A5_MM[::-1] if rotate else A5_MM
    scale = min(
        (cell - 2 * SHEET_CUT_MARGIN_MM) / size
        for cell, size in zip(cell_mm, poster_mm, strict=True)
    )
    page_size = (_mm_to_px(A4_MM[0], dpi), _mm_to_px(A4_MM[1], dpi))
    cell_px = (page_size[0] / columns, page_size[1] / rows)

    pages: list[Image.Image] = []
    for index, (url, text) in enumerate(posters):
        slot = index % per_page
        if slot == 0:
            pages.append(_blank_sheet(page_size, columns, rows))
        # Rendering at a scaled dpi instead of resizing keeps the QR modules crisp.
        poster = render_poster_image(url, text, font, dpi=dpi * scale)
        if rotate:
            poster = poster.transpose(Image.Transpose.ROTATE_90)
        left = (slot % columns) * cell_px[0] + (cell_px[0] - poster.width) / 2
        top = (slot // columns) * cell_px[1] + (cell_px[1] - poster.height) / 2
        pages[-1].paste(poster, (round(left), round(top)))

    buffer = io.BytesIO()
    pages[0].save(buffer, "PDF", save_all=True, append_images=pages[1:], resolution=dpi, quality=95)
    return buffer.getvalue()


def _blank_sheet(size: tuple[int, int], columns: int, rows: int) -> Image.Image:
    """A white page with dashed grey lines where the posters are to be cut apart."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    dash = max(4, size[0] // 80)
    for column in range(1, columns):
        x = round(size[0] * column / columns)
        for y in range(0, size[1], 2 * dash):
            draw.line([(x, y), (x, y + dash)], fill=160, width=2)
    for row in range(1, rows):
        y = round(size[1] * row / rows)
        for x in range(0, size[0], 2 * dash):
            draw.line([(x, y), (x + dash, y)], fill=160, width=2)
    return page
