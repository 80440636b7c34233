"""Moved to tests.helpers.public; kept so that older imports still work."""

from tests.helpers.public import *  # noqa: F403
from tests.helpers.public import __all__  # noqa: F401
