"""The app on a real socket for the browser tests, which need a server thread and real commits.

Module-scoped worlds seed the shared test database, serve it, and must leave it as every other
test expects it (seeded, otherwise empty); `served` does both ends once for all of them.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from app.categories.seed import seed_categories
from app.extensions import db
from app.triage.seed import seed_rules


@contextmanager
def served(app, *others) -> Iterator[str]:
    """Serve `app` (and `others`, e.g. a webhook receiver) on loopback; yield the app's base URL.

    Call inside the app's context, after seeding and committing. QR codes and links point at the
    served address. On exit the servers stop and the shared database is emptied and seeded again.
    """
    from tests.conftest import _empty_tables

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base
    servers = [server, *others]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    # Hand the database to the server thread (SQLite: no transaction held here).
    db.session.close()
    try:
        yield base
    finally:
        for each in servers:
            each.shutdown()
        for thread in threads:
            thread.join()
        db.session.remove()
        _empty_tables()
        seed_categories()
        seed_rules()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
