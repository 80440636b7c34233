"""Moved to tests.helpers.concurrency; kept so that older imports still work."""

from tests.helpers.concurrency import Call, fresh, parallel  # noqa: F401
