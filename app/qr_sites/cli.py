"""`flask qr-sites import|posters|list`: a print run from a CSV of places."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.audit import subjects as audit
from app.core.errors import DomainError
from app.extensions import db
from app.qr_sites import posters
from app.qr_sites.importer import decode_csv, import_sites
from app.qr_sites.models import QrSite
from app.qr_sites.service import site_url

qr_sites_cli = AppGroup("qr-sites", help="QR sites (码点): import places, print posters.")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    details = error.errors.get("files", {}).get("file", []) if error.errors else []
    raise click.ClickException("\n".join([error.message, *details]))


@qr_sites_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(csv_file: Path):
    """Create a QR site per row of CSV_FILE (name, lon, lat[, kind, coord_sys, area_code])."""
    try:
        result = import_sites(decode_csv(csv_file.read_bytes()))
    except DomainError as error:
        _fail(error)
    audit.qr_sites_imported(result)
    db.session.commit()
    click.echo(f"{len(result.created)} created, {len(result.existing)} already there")
    for site in result.sites:
        click.echo(f"{site.id}\t{site.name}\t{site_url(site)}")


@qr_sites_cli.command("posters")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ids", default="", help="comma-separated site ids (default: every active site)")
@click.option("--per-page", type=click.Choice(["1", "2", "4"]), default="2", show_default=True)
def posters_command(out: Path, ids: str, per_page: str):
    """Write a PDF print sheet of posters (A4 pages)."""
    query = select(QrSite).where(QrSite.active.is_(True)).order_by(QrSite.id)
    wanted = [int(i) for i in ids.replace(" ", "").split(",") if i]
    if wanted:
        found = {s.id: s for s in db.session.scalars(select(QrSite).where(QrSite.id.in_(wanted)))}
        missing = [str(i) for i in wanted if i not in found]
        if missing:
            raise click.ClickException(f"no QR site {', '.join(missing)}")
        sites = [found[i] for i in wanted]
    else:
        sites = list(db.session.scalars(query))
    try:
        pdf = posters.sheet_pdf(sites, int(per_page))
    except DomainError as error:
        _fail(error)
    out.write_bytes(pdf)
    click.echo(f"{len(sites)} posters written to {out}")


@qr_sites_cli.command("list")
def list_command():
    """Every site with its state, counts and URL."""
    for site in db.session.scalars(select(QrSite).order_by(QrSite.id)):
        state = "active" if site.active else "disabled"
        click.echo(
            f"{site.id}\t{state}\t{site.scan_count} scans\t{site.report_count} reports\t"
            f"{site.name}\t{site_url(site)}"
        )
