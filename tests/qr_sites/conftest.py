"""QR site fixtures (defined in tests.helpers.sites)."""

from tests.helpers.sites import code, make_site, other_site, site

__all__ = ["code", "make_site", "other_site", "site"]
