"""`flask db backup ARCHIVE` and `flask db restore ARCHIVE`, beside Flask-Migrate's `flask db`."""

from pathlib import Path

import click
from flask import current_app
from flask_migrate.cli import db as db_group

from app.backups.archive import BackupError, backup, restore
from app.extensions import db


def _photo_root() -> Path:
    from app.photos.service import storage

    return Path(storage().root)


@db_group.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(archive: Path):
    """Copy the database and the photos into ARCHIVE (.tar, or .tar.gz to compress)."""
    try:
        summary = backup(db.engine, _photo_root(), archive)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"{archive}: {summary.dialect} database (revision {summary.revision or 'none'}), "
        f"{summary.photos} photos"
    )


@db_group.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path):
    """Load ARCHIVE into this app's database and photo store, which must be empty."""
    try:
        summary = restore(db.engine, _photo_root(), archive, set(db.metadata.tables))
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"restored the {summary.dialect} database of {summary.created_at} "
        f"(revision {summary.revision or 'none'}) and {summary.photos} photos"
    )
    current_app.logger.info("database restored from a backup")
