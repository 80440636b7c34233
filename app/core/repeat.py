"""Background commands (`flask sla sweep`, `flask triage presort`): once, or in a loop."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import click

from app.extensions import db

log = logging.getLogger(__name__)


def every_option(what: str):
    """The `--every S` option of a command that `repeat`s."""
    return click.option(
        "--every",
        type=float,
        default=0,
        help=f"{what} every this many seconds until stopped; 0 (the default) runs once.",
    )


@dataclass(frozen=True)
class Round:
    summary: str
    changed: bool
    # Work is left over (a full batch): the loop goes again without waiting.
    more: bool = False


def repeat(what: str, step: Callable[[], Round], every: float) -> None:
    """Run `step` and commit; with `every` > 0, again that many seconds later until stopped.

    A loop survives a failed round (a database restart, a deadlock): it is logged, rolled
    back and tried again; a single run lets the error out so cron sees it. A loop stays quiet
    while nothing changes.
    """
    while True:
        outcome = None
        try:
            outcome = step()
            db.session.commit()
            if not every or outcome.changed:
                click.echo(f"{what}: {outcome.summary}")
        except Exception:
            db.session.rollback()
            if not every:
                raise
            log.exception("%s failed; trying again in %s s", what, every)
        if not every:
            return
        if outcome is None or not outcome.more:
            time.sleep(every)
