"""Jiefen (解纷): scan-a-code reporting, triage and case handling for governance centres."""

from pathlib import Path
from typing import Any

from flask import Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from app import models  # noqa: F401  (every table on the metadata)
from app.config import Config, check_production_safety, from_environment
from app.core.database import configure_sqlite_engine, database_uri, engine_options
from app.core.errors import register_error_handlers
from app.core.request_log import configure_logging
from app.extensions import Api, db, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _blueprints():
    """Every API module, registered in this order (the order of the OpenAPI document)."""
    from app.accounts.routes import blp as auth
    from app.accounts.routes import users_blp as users
    from app.areas.routes import blp as areas
    from app.categories.routes import blp as categories
    from app.exports.routes import blp as exports
    from app.stats.routes import blp as stats
    from app.units.routes import blp as units
    from app.webhooks.routes import blp as webhooks

    return (auth, users, areas, units, categories, stats, exports, webhooks)


def _cli_groups():
    from app.accounts.cli import users_cli
    from app.areas.cli import areas_cli
    from app.demo.cli import demo_cli
    from app.webhooks.cli import outbox_cli

    return (users_cli, areas_cli, demo_cli, outbox_cli)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    app.config.from_envvar("JIEFEN_SETTINGS", silent=True)
    app.config.update(from_environment())
    app.config.update(config or {})
    check_production_safety(app.config)

    uri = database_uri(app.config, app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(uri, app.config)

    configure_logging(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite_engine(db.engine, app.config["SPATIALITE_LIBRARY_PATH"])

    # One Api per app: the OpenAPI document is built per application instance.
    api = Api(app)
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)
    register_error_handlers(app)

    from app.core.health import blp as health
    from app.stats.dashboard import blp as dashboard
    from app.webhooks.outbox import install as install_outbox

    app.register_blueprint(health)
    app.register_blueprint(dashboard)
    install_outbox()

    @app.get("/api/v1/docs-assets/<path:filename>")
    def docs_assets(filename: str):
        return send_from_directory(str(swagger_ui_path), filename)

    for group in _cli_groups():
        app.cli.add_command(group)
    return app
