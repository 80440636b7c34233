"""Photos attached to reports: checks, processing, storage."""
