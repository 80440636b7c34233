"""A report's life after intake: the state machine every step goes through."""


def install() -> None:
    """Hook the loop into the rest of the app (idempotent: tests build many apps)."""
    from app.workflow.archive import install_read_only_guard
    from app.workflow.deadlines import start_deadlines_at_dispatch
    from app.workflow.hooks import AFTER_DISPATCH

    if start_deadlines_at_dispatch not in AFTER_DISPATCH:
        AFTER_DISPATCH.append(start_deadlines_at_dispatch)
    install_read_only_guard()
