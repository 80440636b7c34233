"""Jiefen (解纷): scan-a-code reporting, triage and case handling for governance centres."""

from pathlib import Path
from typing import Any

from flask import Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app import models  # noqa: F401  (every table on the metadata)
from app.config import Config, check_production_safety, from_environment
from app.core import versions
from app.core.clean_input import check_request_text
from app.core.database import (
    configure_postgresql_engine,
    configure_sqlite_engine,
    database_uri,
    engine_options,
)
from app.core.errors import register_error_handlers
from app.core.frame import App
from app.core.headers import install as install_headers
from app.core.limits import limit_body
from app.core.replica import add_replica
from app.core.request_log import configure_logging
from app.extensions import Api, JSONProvider, csrf, db, limiter, migrate

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _blueprints():
    """Every API module, registered in this order (the order of the OpenAPI document)."""
    from app.accounts.routes import blp as auth
    from app.accounts.routes import users_blp as users
    from app.areas.routes import blp as areas
    from app.categories.routes import blp as categories
    from app.exports.routes import blp as exports
    from app.gridapp.api import blp as my_map
    from app.mediation.routes import blp as mediation
    from app.open311.routes import blp as open311
    from app.open311.routes import keys_blp as open311_keys
    from app.public.api import public_blp, track_blp
    from app.qr_sites.routes import blp as qr_sites
    from app.reports.routes import blp as reports
    from app.stats.routes import blp as stats
    from app.triage.routes import queue_blp as queue
    from app.triage.routes import rules_blp as triage_rules
    from app.triage.routes import triage_blp as triage
    from app.units.routes import blp as units
    from app.webhooks.routes import blp as webhooks
    from app.workflow.routes import blp as workflow
    from app.workflow.routes import deadlines_blp as deadlines

    return (
        auth, users, areas, units, categories, reports, qr_sites, public_blp, track_blp,
        queue, triage, triage_rules, workflow, mediation, deadlines, stats, exports, webhooks,
        open311_keys, open311, my_map,
    )  # fmt: skip


class IdConverter(IntegerConverter):
    """<int:…> in paths stops at the id columns' range (PostgreSQL's integer): a larger
    number is an id that cannot exist, a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _cli_groups():
    from app.accounts.cli import users_cli
    from app.areas.cli import areas_cli
    from app.backups import cli as backup_commands  # noqa: F401  (flask db backup | restore)
    from app.core.idempotency import idempotency_cli
    from app.demo.cli import demo_cli
    from app.open311.cli import open311_cli
    from app.qr_sites.cli import qr_sites_cli
    from app.triage.cli import triage_cli
    from app.webhooks.cli import outbox_cli
    from app.workflow.cli import reports_cli, sla_cli

    return (
        users_cli, areas_cli, demo_cli, qr_sites_cli, triage_cli, sla_cli, reports_cli, outbox_cli,
        open311_cli,
        idempotency_cli,
    )  # fmt: skip


def _hooks() -> None:
    """Signals and session guards other packages plug into (each once, however many apps)."""
    from app.lifecycle.signals import connect_reactions
    from app.webhooks.outbox import install as install_outbox
    from app.workflow import install as install_workflow

    connect_reactions()
    install_workflow()
    install_outbox()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = App(__name__, instance_relative_config=True)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = IdConverter
    app.config.from_object(Config)
    app.config.from_envvar("JIEFEN_SETTINGS", silent=True)
    app.config.update(from_environment())
    app.config.update(config or {})
    check_production_safety(app.config)

    uri = database_uri(app.config, app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(uri, app.config)

    configure_logging(app)
    install_headers(app)
    # Posters need a font that draws Chinese: a missing one stops the start, not the printer.
    from app.qr_sites.posters import check_font

    check_font(app)
    # The finder pre-sorting reads texts with (TRIAGE_MEANING): an unknown name, or the
    # embedding finder on a machine that cannot run its model, stops here, not at a report.
    from app.triage.finder import check as check_finder

    check_finder(app.config)
    if app.config["TRUSTED_PROXY_COUNT"]:
        # Rate limits count per client: behind a proxy the client is in X-Forwarded-For.
        hops = int(app.config["TRUSTED_PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite_engine(db.engine, app.config["SPATIALITE_LIBRARY_PATH"])
        else:
            configure_postgresql_engine(db.engine, float(app.config["DB_PING_AFTER_IDLE_SECONDS"]))
        versions.install(db.engine)
    if app.config["STATS_DATABASE_URL"]:
        replica_uri = database_uri({"DATABASE_URL": app.config["STATS_DATABASE_URL"]}, "")
        replica = add_replica(app, replica_uri, engine_options(replica_uri, app.config))
        if replica.dialect.name == "sqlite":
            configure_sqlite_engine(replica, app.config["SPATIALITE_LIBRARY_PATH"])
        else:
            configure_postgresql_engine(replica, float(app.config["DB_PING_AFTER_IDLE_SECONDS"]))

    # One Api per app: the OpenAPI document is built per application instance.
    api = Api(app)
    for blueprint in _blueprints():
        api.register_blueprint(blueprint)
        # Token-authenticated JSON (and the public JSON API): no cookie, nothing to forge.
        csrf.exempt(blueprint)
    register_error_handlers(app)

    from flask_wtf.csrf import CSRFError

    from app.console.views import blp as console
    from app.console.views import csrf_failed
    from app.core.health import blp as health
    from app.stats.dashboard import blp as dashboard

    csrf.exempt(health)
    app.register_blueprint(health)
    app.register_blueprint(dashboard)
    app.register_blueprint(console)
    from app.admin_console import blueprint as admin_console
    from app.gridapp.pages import blp as gridapp

    app.register_blueprint(admin_console())
    app.register_blueprint(gridapp)
    app.register_error_handler(CSRFError, csrf_failed)
    from app.open311.routes import fallback as open311_fallback

    csrf.exempt(open311_fallback)  # api_key, not a cookie, authenticates Open311 clients
    app.register_blueprint(open311_fallback)

    from app.metrics.install import install as install_metrics

    install_metrics(app)

    from app.public.pages import limit_form_size, pages

    # Body limits first: CSRF and the limiter's own hook read the form (the site code).
    app.before_request(limit_body)
    app.before_request(limit_form_size)
    app.before_request(check_request_text)
    csrf.init_app(app)
    limiter.init_app(app)
    app.register_blueprint(pages)

    @app.get("/api/v1/docs-assets/<path:filename>")
    def docs_assets(filename: str):
        return send_from_directory(str(swagger_ui_path), filename)

    _hooks()
    for group in _cli_groups():
        app.cli.add_command(group)
    return app
