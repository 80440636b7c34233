"""Request and response shapes for QR sites."""

import marshmallow as ma
from flask_smorest.fields import Upload
from webargs.fields import DelimitedList

from app.core.pagination import CursorArgs
from app.core.schemas import GeoJSONGeometry, PositionSchema, Schema, ShanghaiDateTime
from app.qr_sites.models import KINDS
from app.qr_sites.posters import MAX_SHEET_POSTERS
from app.qr_sites.service import site_code, site_lon_lat, site_url

KIND_CHOICES = [*KINDS, *KINDS.values()]
KIND_HELP = "; ".join(f"{code} ({name})" for code, name in KINDS.items())


class QrSiteCreateSchema(Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    kind = ma.fields.String(
        load_default="other",
        validate=ma.validate.OneOf(KIND_CHOICES),
        metadata={"description": f"one of {KIND_HELP}; the Chinese name is accepted too"},
    )
    location = ma.fields.Nested(PositionSchema, required=True)
    area_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "derived from the point when absent; checked when given"},
    )


class QrSiteSchema(Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": list(KINDS)})
    kind_name = ma.fields.String(required=True)
    location = GeoJSONGeometry(required=True)
    lon = ma.fields.Method("_lon", metadata={"description": "WGS84"})
    lat = ma.fields.Method("_lat", metadata={"description": "WGS84"})
    area_code = ma.fields.String(allow_none=True)
    subdistrict_code = ma.fields.String(allow_none=True)
    code = ma.fields.Function(site_code, metadata={"description": "the signed code in the QR"})
    url = ma.fields.Function(site_url, metadata={"description": "what the QR encodes"})
    active = ma.fields.Boolean(required=True)
    rotation = ma.fields.Integer(metadata={"description": "how many times the code was replaced"})
    scan_count = ma.fields.Integer(required=True)
    report_count = ma.fields.Integer(required=True)
    last_scan_at = ShanghaiDateTime(allow_none=True)
    created_at = ShanghaiDateTime(required=True)
    updated_at = ShanghaiDateTime(required=True)
    disabled_at = ShanghaiDateTime(allow_none=True)

    def _lon(self, site) -> float:
        return site_lon_lat(site)[0]

    def _lat(self, site) -> float:
        return site_lon_lat(site)[1]


class QrSiteListArgs(CursorArgs):
    active = ma.fields.Boolean(load_default=None, allow_none=True)
    area_code = ma.fields.String(
        load_default=None, metadata={"description": "sites in this area and the areas below it"}
    )


class PosterSheetArgs(Schema):
    ids = DelimitedList(
        ma.fields.Integer(validate=ma.validate.Range(min=1)),
        required=True,
        validate=ma.validate.Length(min=1, max=MAX_SHEET_POSTERS),
        metadata={"description": "comma-separated site ids, printed in this order"},
    )
    per_page = ma.fields.Integer(
        load_default=2,
        validate=ma.validate.OneOf([1, 2, 4]),
        metadata={"description": "posters per A4 page"},
    )


class CsvUploadSchema(Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "CSV with a header row: name, lon, lat and optionally kind, "
            "coord_sys, area_code (or the Chinese headers 名称, 经度, 纬度, 类型, 坐标系, "
            "区域代码); UTF-8 or GB18030"
        },
    )


class QrSiteImportResultSchema(Schema):
    created = ma.fields.Integer(required=True)
    existing = ma.fields.Integer(
        required=True, metadata={"description": "rows naming a site that was already there"}
    )
    items = ma.fields.List(ma.fields.Nested(QrSiteSchema), required=True)
