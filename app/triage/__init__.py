"""The information cleaner's queue: suggestions, claims and triage (分流交办)."""
