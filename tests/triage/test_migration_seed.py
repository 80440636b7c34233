"""The migration's data step loads the seeded triage rules, like the fixtures and the demo."""

from sqlalchemy import create_engine, text

from app.core.database import configure_sqlite_engine, database_uri, engine_options
from app.triage.seed import seeded_rules
from tests.helpers.commands import flask


def test_upgrade_seeds_the_rules(fresh_database):
    url = fresh_database("sqlite")
    upgraded = flask(["db", "upgrade"], url)
    assert upgraded.returncode == 0, upgraded.stderr
    uri = database_uri({"DATABASE_URL": url}, "")
    engine = create_engine(uri, **engine_options(uri, {}))
    configure_sqlite_engine(engine, "mod_spatialite")
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM triage_rules WHERE active")).scalar()
        critical = set(
            connection.execute(
                text("SELECT pattern FROM triage_rules WHERE kind = 'risk' AND target = 'critical'")
            ).scalars()
        )
    engine.dispose()
    assert count == len(seeded_rules())
    assert {"持刀", "跳楼", "自杀", "爆炸", "纵火"} <= critical
