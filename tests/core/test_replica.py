"""STATS_DATABASE_URL: statistics and the ledger read from the replica, everything else not.

A real PostgreSQL streaming replica is in tests/scale/test_scale_out.py; here the replica is
a copy of the SQLite database taken at one moment, so the answers show where each was read.
"""

import pytest
import sqlean

from app import create_app
from app.core.replica import replica_engine, sole_engine
from app.extensions import db
from tests.conftest import base_config
from tests.reports.conftest import report_body


@pytest.fixture
def copy_to_replica(app, dialect, tmp_path):
    if dialect != "sqlite":
        pytest.skip("PostgreSQL's replica is a real one, in tests/scale/test_scale_out.py")
    replica_path = tmp_path / "replica.db"

    def copy() -> str:
        db.session.commit()
        with sqlean.connect(db.engine.url.database) as source, sqlean.connect(replica_path) as to:
            source.backup(to)
        return f"sqlite:///{replica_path}"

    return copy


def test_statistics_and_ledger_read_from_the_replica(
    app, client, areas, make_user, auth, copy_to_replica
):
    worker = auth(make_user("grid_worker", ["G1"]))
    supervisor = auth(make_user("supervisor", ["D"]))
    for text in ("小区门口井盖缺失，有人摔伤", "路灯坏了一个星期，晚上很黑"):
        assert client.post("/api/v1/reports", json=report_body(description=text),
                           headers=worker).status_code == 201  # fmt: skip
    replica_url = copy_to_replica()
    # Filed after the copy: on the primary only, as if the replica had not replayed it yet.
    assert client.post("/api/v1/reports", json=report_body(description="垃圾桶满了没人清运"),
                       headers=worker).status_code == 201  # fmt: skip

    config = base_config(app.config["DATABASE_URL"])
    config["STATS_DATABASE_URL"] = replica_url
    replica_app = create_app(config)
    with replica_app.app_context():
        reader = replica_app.test_client()
        overview = reader.get("/api/v1/stats/overview", headers=supervisor)
        assert overview.status_code == 200, overview.get_json()
        assert overview.get_json()["total"] == 2
        ledger = reader.get("/api/v1/exports/ledger.csv", headers=supervisor)
        assert len(ledger.data.decode("utf-8-sig").strip().splitlines()) == 1 + 2
        # Everything else reads the primary.
        listed = reader.get("/api/v1/reports", headers=supervisor)
        assert len(listed.get_json()["items"]) == 3
        replica_engine(replica_app).dispose()
        db.engine.dispose()


def test_without_a_replica_statistics_read_the_primary(client, areas, make_user, auth):
    worker = auth(make_user("grid_worker", ["G1"]))
    supervisor = auth(make_user("supervisor", ["D"]))
    assert client.post("/api/v1/reports", json=report_body(), headers=worker).status_code == 201
    assert client.get("/api/v1/stats/overview", headers=supervisor).get_json()["total"] == 1


def test_with_one_engine_every_statement_goes_to_it(app):
    with app.app_context():
        assert sole_engine(db) is db.engine
        assert db.session.get_bind() is db.engine


def test_a_bind_key_or_a_second_engine_leaves_the_choice_to_flask_sqlalchemy(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(db.metadatas[None].info, "bind_key", "archive")
        assert sole_engine(db) is None
        monkeypatch.setitem(db.metadatas[None].info, "bind_key", None)
        monkeypatch.setitem(db._app_engines[app], "archive", db.engine)
        assert sole_engine(db) is None
