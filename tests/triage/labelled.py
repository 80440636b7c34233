"""Moved to tests.helpers.labelled; kept so that older imports still work."""

from tests.helpers.labelled import *  # noqa: F403
from tests.helpers.labelled import generate, true_pairs  # noqa: F401
