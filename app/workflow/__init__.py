"""After dispatch: deadlines, cards, the sweep, supervision lists, the read-only archive.

The steps themselves (accept, resolve, …) are rows of app.lifecycle's table.
"""


def install() -> None:
    """Guard archived cases in every session (idempotent: tests build many apps)."""
    from app.workflow.archive import install_read_only_guard

    install_read_only_guard()
