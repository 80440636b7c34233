"""Seams between the queue and the loop: what else happens when a case is dispatched."""

from collections.abc import Callable

from app.reports.models import Report

# Called inside the dispatch transaction, after unit, tier and status are set (deadlines, outbox).
AFTER_DISPATCH: list[Callable[[Report], None]] = []


def after_dispatch(report: Report) -> None:
    for hook in AFTER_DISPATCH:
        hook(report)
