"""`flask demo load` and `flask demo urls`."""

import click
from flask.cli import AppGroup

from app.demo.load import DEMO_PASSWORD, DEMO_USERS, first_demo_site, load_demo
from app.extensions import db
from app.qr_sites.service import site_code

demo_cli = AppGroup("demo", help="Demo data (synthetic polygons; demo-only passwords).")


@demo_cli.command("load")
def load():
    """Load the demo district, units, categories and users (skips what is there)."""
    counts = load_demo()
    db.session.commit()
    click.echo("demo data: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))


@demo_cli.command("urls")
@click.option("--base", default="http://127.0.0.1:5000")
def urls(base):
    """Print where to click and the demo logins."""
    click.echo("")
    click.echo(f"  Jiefen 解纷 is running at {base}")
    click.echo(f"  API docs (try it out):  {base}/api/v1/docs")
    click.echo(f"  OpenAPI document:       {base}/api/v1/openapi.json")
    site = first_demo_site()
    if site is not None:
        click.echo(f"  Scan-to-report page:    {base}/s/{site_code(site)}  ({site.name})")
        click.echo(f"  Follow a report:        {base}/t")
    click.echo(f"  Staff sign-in:          {base}/console/login  (every role; lands on its page)")
    click.echo(f"  Supervisor dashboard:   {base}/dashboard  (sign in as supervisor)")
    click.echo(f"  Admin screens:          {base}/console/admin  (sign in as admin)")
    click.echo(f"  Grid worker's app:      {base}/app/  (on a phone; sign in as gridworker)")
    click.echo(f"  Demo logins (demo only, password for all: {DEMO_PASSWORD}):")
    for user in DEMO_USERS:
        click.echo(f"    {user.username:<12} {user.role:<12} {user.display_name}")
    click.echo("")
