"""The admin screens (/console/admin/...): set-up without a terminal, for admins only.

How to add a page: put a module in `app/admin_console/pages/` (it is imported by itself, no list
to edit) that does `from app.admin_console.shell import blp, page, done, ...` and adds routes to
`blp`. Name the endpoint as the nav in `shell.NAV` expects (`admin.users`, ...): the link then
appears. The guard (admins only, 403 for every other role) is the blueprint's own, so a new view
needs no decorator. Every write calls `app.audit.record_change` before its commit.
"""

import importlib
import pkgutil


def blueprint():
    """The admin blueprint with every page module's routes on it."""
    from app.admin_console import pages
    from app.admin_console.shell import blp

    for module in pkgutil.iter_modules(pages.__path__):
        importlib.import_module(f"{pages.__name__}.{module.name}")
    return blp
