"""The supervisor page: sign-in by session, what it shows, and that signing out really ends it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import AuthToken
from app.core.clock import frozen_at
from app.extensions import db
from tests.conftest import TEST_PASSWORD
from tests.console.conftest import sign_in as console_sign_in
from tests.console.conftest import token_of
from tests.helpers.cases import T0, overview_cases

TEN_DAYS_IN = T0 + timedelta(days=10)


@pytest.fixture
def clock():
    with frozen_at(TEN_DAYS_IN) as ticker:
        yield ticker


@pytest.fixture
def cases(areas, clock):
    made = overview_cases()
    return {k: (r.tracking_no, r.id) for k, r in made.items()}


def sign_in(client, username: str, password: str = TEST_PASSWORD, **query):
    """The one staff sign-in (/console/login) serves the dashboard too."""
    return console_sign_in(client, username, password, **query)


def test_the_page_needs_a_sign_in(client, areas, clock):
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/console/login" in response.location
    assert client.get("/dashboard/map.png").status_code == 401
    form = client.get(client.get("/dashboard/login").location).get_data(as_text=True)
    assert "工作人员登录" in form and 'type="password"' in form


def test_supervisor_sees_rates_map_and_overdue_cases(client, cases, make_user):
    make_user("supervisor", ["D"], username="duban", display_name="督办领导")
    response = sign_in(client, "duban", next="/dashboard?days=30")
    assert response.status_code == 303 and response.location.endswith("/dashboard?days=30")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "督办领导" in html and "近 30 天" in html
    assert re.search(r'data-figure="total">6<', html)
    assert re.search(r'data-figure="mediation">66.7%<', html)
    assert re.search(r'data-figure="on_time">50.0%<', html)
    # Worst first: D's red card before E's yellow one.
    overdue = html[html.index('id="overdue"') :]
    assert overdue.index(cases["D"][0]) < overdue.index(cases["E"][0])
    assert "劳动争议/欠薪" in overdue and "一号街道综治中心" in overdue
    # Each overdue case and each area's cases open in the console.
    assert f'href="/console/reports/{cases["D"][1]}"' in overdue
    assert 'href="/console/cases?area=S2&amp;status=open"' in html
    image = client.get("/dashboard/map.png?days=30")
    assert image.status_code == 200 and image.mimetype == "image/png"
    ledger = client.get("/dashboard/ledger.xlsx?days=30")
    assert ledger.status_code == 200 and ledger.data[:2] == b"PK"
    s2 = client.get("/dashboard?area=S2").get_data(as_text=True)
    assert re.search(r'data-figure="total">1<', s2) and cases["D"][0] not in s2


def test_wrong_password_and_wrong_role_are_refused(client, areas, make_user, clock):
    make_user("responder", ["S1"], unit="unit-S1", username="chuzhi")
    assert sign_in(client, "chuzhi", "wrong-password").status_code == 401
    assert not list(db.session.scalars(select(AuthToken)))
    # A responder signs in to the console, but the supervisors' page is not theirs.
    assert sign_in(client, "chuzhi").status_code == 303
    assert client.get("/dashboard").status_code == 403


def test_sign_out_and_disabling_end_the_session(client, areas, make_user, clock):
    user = make_user("supervisor", ["D"], username="duban")
    sign_in(client, "duban")
    assert client.get("/dashboard").status_code == 200
    csrf = token_of(client, "/dashboard")
    assert client.post("/dashboard/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.post("/dashboard/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/dashboard").status_code == 302
    sign_in(client, "duban")
    user.active = False
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_session_expires_and_next_never_leaves_the_site(client, areas, make_user, clock):
    make_user("admin", username="root")
    response = sign_in(client, "root", next="https://evil.example/")
    assert response.location.endswith("/console/")
    clock.advance(timedelta(hours=12))
    assert client.get("/dashboard").status_code == 302
