"""Admin screen tests: the console's sign-in helpers, staff of every role, and one admin."""

import pytest

from app.extensions import db
from tests.console.conftest import code, make_site, other_site, post, sign_in, site, staff, token_of

__all__ = ["code", "make_site", "other_site", "post", "sign_in", "site", "staff", "token_of"]


@pytest.fixture
def admin_user(make_user):
    user = make_user("admin", username="guanli", display_name="管理员老李")
    db.session.commit()
    return user


@pytest.fixture
def admin_client(client, admin_user):
    """A test client signed in as the admin."""
    assert sign_in(client, "guanli").status_code == 303
    return client
