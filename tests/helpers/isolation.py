"""Which tests may run inside a rolled-back transaction, and which need real commits.

Rolled back is the default: it costs one connection and no cleanup. A test needs real commits
when another connection must see its data: requests on threads or in fresh app contexts
(tests.helpers.concurrency), a live server for the browser, a second app on the same
database, or `db.engine` used directly. Those are found from what the test asks for and what its code reaches; a test that
does this some other way says so with `@pytest.mark.commits`.
"""

import threading
import types
from typing import Any

# Fixtures whose users need committed data: a server thread or another app reads it.
COMMITTING_FIXTURES = {"live_server", "browser"}
# Attributes a test reaches for when it opens connections or app contexts of its own.
COMMITTING_ATTRIBUTES = {"engine", "app_context"}


class _Isolation(threading.local):
    active = False


rollback_isolation = _Isolation()


def _committing_helpers() -> set[Any]:
    from tests.helpers import concurrency

    return {threading, concurrency.parallel, concurrency.fresh}


def _reaches(function: Any, module: types.ModuleType, targets: set[Any], seen: set) -> bool:
    """Does the function's code (or a module-level function it calls) use one of `targets`?"""
    code = getattr(function, "__code__", None)
    if code is None or code in seen:
        return False
    seen.add(code)
    stack = [code]
    while stack:
        current = stack.pop()
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
        if COMMITTING_ATTRIBUTES & set(current.co_names):
            return True
        for name in current.co_names:
            value = module.__dict__.get(name)
            if value is None:
                continue
            if any(value is target for target in targets):
                return True
            local = isinstance(value, types.FunctionType) and value.__module__ == module.__name__
            if local and _reaches(value, module, targets, seen):
                return True
    return False


def needs_real_commits(request) -> bool:
    node = request.node
    if node.get_closest_marker("commits"):
        return True
    if COMMITTING_FIXTURES & set(request.fixturenames):
        return True
    # A test that asks for the database URL itself makes a second app on it.
    if "database_url" in getattr(node, "_fixtureinfo", None).argnames:
        return True
    function = getattr(node, "function", None)
    module = getattr(node, "module", None)
    if function is None or module is None:
        return False
    return _reaches(function, module, _committing_helpers(), set())
