"""The hardening tests reuse the QR site and queue fixtures."""

from tests.qr_sites.conftest import code, make_site, other_site, site
from tests.triage.conftest import cleaner, file_report

__all__ = ["cleaner", "code", "file_report", "make_site", "other_site", "site"]
