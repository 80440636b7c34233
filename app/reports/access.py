"""Who may see which report: the one access policy lives in app.lifecycle.policy."""

from app.lifecycle.policy import can_see, report_for, visible_clause

__all__ = ["can_see", "report_for", "visible_clause"]
