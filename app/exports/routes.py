"""The ledger (一本账) as CSV and XLSX downloads."""

import marshmallow as ma
from flask import send_file
from webargs.fields import DelimitedList

from app.accounts.models import User
from app.core.auth import current_user
from app.core.replica import reads_from_replica
from app.exports.ledger import HEADERS, MIMETYPES, ledger_file
from app.extensions import Blueprint, db
from app.reports.models import CHANNELS, STATUSES
from app.stats.filters import CODE, PeriodArgs, ReportFilter

blp = Blueprint(
    "exports", __name__, url_prefix="/api/v1/exports", description="The ledger (一本账) as files"
)
# Cleaners keep the register of the cases they take in and dispatch (受理登记): they export too.
ROLES = ("supervisor", "admin", "cleaner")
LEDGER_DOC = (
    "Roles: supervisor, admin, cleaner. Every case the caller may see, oldest first, filtered "
    "as the report list (`status` may list several, comma-separated; `category_code` includes "
    "its sub-categories; `since`/`until` on the time received). Columns: "
    + "、".join(HEADERS)
    + ". Values in Chinese, times in Asia/Shanghai; the phone is masked for roles that do not "
    "ring reporters back. 是否按时: 是/否 for resolved cases (无时限 without a deadline), "
    "已超期/未到期 for open ones."
)
BINARY = {"type": "string", "format": "binary"}


class LedgerArgs(PeriodArgs):
    status = DelimitedList(ma.fields.String(validate=ma.validate.OneOf(STATUSES)))
    category_code = ma.fields.String(validate=CODE)
    channel = ma.fields.String(validate=ma.validate.OneOf(CHANNELS))


def send_ledger(user: User, f: ReportFilter, kind: str):
    ledger = ledger_file(user, f, kind)
    # Read-only: end the transaction before the slow part (the download), not after it.
    db.session.rollback()
    return send_file(
        ledger.file, mimetype=ledger.mimetype, as_attachment=True, download_name=ledger.name
    )


@blp.get("/ledger.csv")
@blp.doc(description=LEDGER_DOC)
@blp.staff(*ROLES)
@blp.arguments(LedgerArgs, location="query")
@blp.response(200, BINARY, content_type=MIMETYPES["csv"])
@reads_from_replica
def ledger_csv(args):
    """The ledger as CSV (UTF-8 with BOM, opens in Excel)."""
    return send_ledger(current_user(), ReportFilter.from_args(args), "csv")


@blp.get("/ledger.xlsx")
@blp.doc(description=LEDGER_DOC)
@blp.staff(*ROLES)
@blp.arguments(LedgerArgs, location="query")
@blp.response(200, BINARY, content_type=MIMETYPES["xlsx"])
@reads_from_replica
def ledger_xlsx(args):
    """The ledger as an Excel workbook."""
    return send_ledger(current_user(), ReportFilter.from_args(args), "xlsx")
