"""The public pages' tests use the QR site fixtures."""

from tests.helpers.sites import code, make_site, other_site, site

__all__ = ["code", "make_site", "other_site", "site"]
