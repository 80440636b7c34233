"""`flask areas import FILE.geojson`."""

import json

import click
from flask.cli import AppGroup

from app.areas.importer import import_feature_collection
from app.audit import subjects as audit
from app.core.errors import DomainError
from app.extensions import db

areas_cli = AppGroup("areas", help="Manage the area tree.")


@areas_cli.command("import")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@click.option("--coord-sys", default="wgs84", type=click.Choice(["wgs84", "gcj02", "bd09"]))
def import_file(path, coord_sys):
    """Import a GeoJSON FeatureCollection (all features or none)."""
    try:
        data = json.load(path)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path.name} is not JSON: {error}") from error
    try:
        result = import_feature_collection(data, coord_sys)
        audit.area_import(result, coord_sys)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
