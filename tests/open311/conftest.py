"""Open311 fixtures: the test geography with units and deadlines, staff, and client keys."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from app.accounts.models import User
from app.extensions import db
from app.open311.keys import issue_key
from app.workflow.seed import seed_workflow

BASE = "/open311/v2"


@dataclass
class Staff:
    cleaner: User
    responder: User  # of unit-S1, where reports inside G1 are routed
    grid_worker: User


@pytest.fixture
def geography(areas) -> dict:
    seed_workflow()
    db.session.commit()
    return areas


@pytest.fixture
def staff(geography, make_user) -> Staff:
    return Staff(
        cleaner=make_user("cleaner", ["D"], "unit-D"),
        responder=make_user("responder", ["S1"], "unit-S1"),
        grid_worker=make_user("grid_worker", ["S1"]),
    )


@pytest.fixture
def make_key(geography) -> Callable[..., str]:
    """Issue a key and give its secret: make_key(name=..., asynchronous=True, area_code=...)."""
    counter = iter(range(1, 1000))

    def make(**options) -> str:
        _key, secret = issue_key(options.pop("name", f"client{next(counter)}"), **options)
        db.session.commit()
        return secret

    return make


@pytest.fixture
def api_key(make_key) -> str:
    return make_key(name="12345平台")


@pytest.fixture
def post(client) -> Callable:
    """POST requests.{fmt}, form-encoded as the standard says."""

    def send(data: dict, fmt: str = "json"):
        response = client.post(f"{BASE}/requests.{fmt}", data=data)
        if response.status_code >= 400:
            # The test client shares the test's session: drop what the refused request left.
            db.session.rollback()
        return response

    return send
