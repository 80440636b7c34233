"""The metrics tests use the QR site fixtures."""

from tests.qr_sites.conftest import code, make_site, site

__all__ = ["code", "make_site", "site"]
