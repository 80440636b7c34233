"""The record of admin changes: who changed what set-up, when, and how (before → after)."""

from app.audit.record import KIND_GROUPS, KIND_NAMES, record_change

__all__ = ["KIND_GROUPS", "KIND_NAMES", "record_change"]
