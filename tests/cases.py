"""Moved to tests.helpers.cases; kept so that older imports still work."""

from tests.helpers.cases import *  # noqa: F403
