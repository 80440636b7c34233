"""Locate and load a font that can draw Chinese captions."""

from __future__ import annotations

import os
from functools import lru_cache

from PIL import ImageFont

DEFAULT_FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

# Characters every poster draws; a font lacking any of them would print boxes.
_PROBE_TEXT = "扫码反映问题"
# A noncharacter no font maps, so it always renders the font's .notdef glyph.
_MISSING_GLYPH = "\uffff"

_INSTALL_HINT = (
    "install fonts-wqy-microhei or fonts-noto-cjk (apt-get install fonts-wqy-microhei), "
    "or set CJK_FONT_PATH to a font file with Chinese glyphs"
)


class FontNotFound(RuntimeError):
    """No usable font with Chinese glyphs was found."""


def find_cjk_font(path: str | None = None) -> str:
    """Return the path of a font that draws Chinese: `path` if given, else the first default."""
    if path:
        if not os.path.isfile(path):
            raise FontNotFound(f"CJK font not found: {path!r} does not exist; {_INSTALL_HINT}")
        problem = _cjk_problem(path)
        if problem:
            raise FontNotFound(f"CJK font {path!r} is unusable: {problem}; {_INSTALL_HINT}")
        return path
    rejected = []
    for candidate in DEFAULT_FONT_PATHS:
        if not os.path.isfile(candidate):
            continue
        problem = _cjk_problem(candidate)
        if not problem:
            return candidate
        rejected.append(f"{candidate} ({problem})")
    tried = ", ".join(DEFAULT_FONT_PATHS)
    detail = f"; rejected: {'; '.join(rejected)}" if rejected else ""
    raise FontNotFound(f"no CJK font found (tried {tried}){detail}; {_INSTALL_HINT}")


@lru_cache(maxsize=16)
def _cjk_problem(path: str) -> str | None:
    """Why the font at `path` cannot draw the captions, or None if it can."""
    try:
        font = ImageFont.truetype(path, 48)
    except OSError as exc:
        return f"not a readable font file ({exc})"
    missing = font.getmask(_MISSING_GLYPH)
    missing_key = (missing.size, bytes(missing))
    for char in _PROBE_TEXT:
        mask = font.getmask(char)
        if mask.getbbox() is None or (mask.size, bytes(mask)) == missing_key:
            return f"it has no glyph for {char!r} (Latin-only font?)"
    return None


@lru_cache(maxsize=64)
def load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Load `path` at `size` px, picking the Simplified Chinese face of a font collection."""
    # Noto's .ttc opens on the Japanese face by default, whose hanzi shapes look wrong
    # on a mainland poster; the SC face is further in.
    if path.lower().endswith(".ttc"):
        for index in range(16):
            try:
                face = ImageFont.truetype(path, size, index=index)
            except OSError:
                break
            if face.getname()[0].endswith(" SC"):
                return face
    return ImageFont.truetype(path, size)
