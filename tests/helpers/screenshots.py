"""Where the browser tests put the README's screenshots: over docs/screenshots/ only when asked
(UPDATE_SCREENSHOTS=1), otherwise into a temporary directory, so a test run leaves the working
tree as it found it."""

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot_dir(temporary: Path) -> Path:
    """docs/screenshots when asked to refresh them (UPDATE_SCREENSHOTS=1), else `temporary`."""
    return SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else temporary


def docs_screenshots() -> dict[str, bytes]:
    """What docs/screenshots holds now, to show a run did not rewrite it."""
    return {path.name: path.read_bytes() for path in sorted(SCREENSHOTS.glob("*.png"))}
