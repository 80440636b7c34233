"""The console's tests use the QR site fixtures and sign in through the one staff form."""

import re

import pytest
from flask import g

from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.qr_sites.conftest import code, make_site, other_site, site

__all__ = ["code", "make_site", "other_site", "site"]

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def token_of(client, path: str = "/console/login") -> str:
    # The tests' app context is shared by every request, and Flask-WTF caches the token of the
    # last session in `g`: forget it, so that each client gets its own session's token.
    g.pop("csrf_token", None)
    return TOKEN.search(client.get(path).get_data(as_text=True)).group(1)


def sign_in(client, username: str, password: str = TEST_PASSWORD, **query):
    return client.post(
        "/console/login",
        query_string=query,
        data={"username": username, "password": password, "csrf_token": token_of(client)},
    )


def post(client, path: str, **data):
    """A console form post with the form's token, as the browser sends it."""
    return client.post(path, data={"csrf_token": token_of(client), **data})


@pytest.fixture
def staff(areas, make_user):
    """One user per role in the test district; responders of both sub-districts' units."""
    users = {
        "cleaner": make_user("cleaner", ["D"], username="qingxi", display_name="清洗员小王"),
        "responder": make_user("responder", ["S1"], unit="unit-S1", username="chuzhi"),
        "other_responder": make_user("responder", ["S2"], unit="unit-S2", username="chuzhi2"),
        "grid_worker": make_user("grid_worker", ["S1"], username="wangge"),
        "supervisor": make_user("supervisor", ["D"], username="duban", display_name="督办领导"),
    }
    db.session.commit()
    return users
