"""QR site fixtures, shared by the QR site tests and the public pages' tests (their conftests)."""

import pytest

from app.extensions import db
from app.qr_sites.service import create_site, site_code
from tests.helpers.geometry import INSIDE_G1, INSIDE_S2


@pytest.fixture
def make_site(areas):
    def make(name: str = "幸福里3号楼", where: tuple[float, float] = INSIDE_G1, **kw):
        site = create_site(name, *where, **kw)
        db.session.commit()
        return site

    return make


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def code(site) -> str:
    return site_code(site)


@pytest.fixture
def other_site(make_site):
    return make_site("二号街道菜市场", INSIDE_S2, kind="market")
