"""Moved to tests.helpers.geometry; kept so that older imports still work."""

from tests.helpers.geometry import *  # noqa: F403
