"""What an engine sends while a block runs: for tests that count statements, not time."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements_sent(
    engine: Engine, keep: Callable[[str], bool] = lambda _statement: True
) -> Iterator[list[str]]:
    """The statements `engine` sends inside the block (those `keep` says yes to), in order, as
    their SQL text."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if keep(statement):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
