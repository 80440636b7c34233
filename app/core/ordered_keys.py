"""Keys that are unique and unguessable, yet sort in the order they were made.

A key the service keeps unique by an index (a report's client_uuid) lands wherever it sorts: a
random key on a random leaf of an index over every report ever filed, a whole page in the WAL
after each checkpoint once there are a million (bench/RESULTS.md, issue 19, h21b). The time
first puts new keys at the index's end, as a sequence's are.
"""

import secrets
import time


def time_ordered_token() -> str:
    """Milliseconds since 1970 (12 hex digits), then 128 random bits (22 URL-safe characters):
    as unguessable as `secrets.token_urlsafe(16)`, which a retry's answer relies on."""
    return f"{time.time_ns() // 1_000_000:012x}-{secrets.token_urlsafe(16)}"
