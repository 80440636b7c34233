"""Keeping a served process's long-lived objects out of the garbage collector's full passes.

A worker holds about 370,000 objects the collector tracks, a third of them the area index
(55,000 polygons and their areas), the rest the app, jieba and the lexicons; none of them ever
becomes garbage. CPython's full collection walks all of them: 100-200 ms every few hundred
requests, a stall that every request waiting behind it feels (the p99 of intake, issue 19),
and about 1 ms of CPU per report on average. Freezing moves what is alive now into the
permanent generation, which the collector never walks; those objects are still freed by
reference counting when dropped (an index replaced by a newer one is).

Only served processes settle (wsgi.py turns it on): a test process builds hundreds of apps,
and freezing one would keep the ones still referenced then out of every later collection.
"""

import gc

from flask import Flask

CONFIG = "SETTLE_HEAP"


def settle(app: Flask) -> bool:
    """After a large build that will live as long as the process: collect what is garbage now,
    then freeze the rest. Whether it did (only where the app asks for it)."""
    if not app.config.get(CONFIG):
        return False
    gc.collect()
    gc.freeze()
    return True
