"""Request and response shapes for statistics, hotspots and repeat places."""

import marshmallow as ma

from app.areas.models import LEVELS
from app.core.schemas import GeoJSONGeometry, Schema, ShanghaiDateTime
from app.mediation.schemas import MediationFiguresSchema
from app.stats.filters import CODE, PeriodArgs
from app.stats.overview import GROUP_BY


class OverviewArgs(PeriodArgs):
    group_by = ma.fields.String(
        validate=ma.validate.OneOf(GROUP_BY),
        metadata={"description": "add a series by week (from Monday) or month, Asia/Shanghai"},
    )


class HotspotArgs(PeriodArgs):
    level = ma.fields.String(
        load_default="subdistrict",
        validate=ma.validate.OneOf(LEVELS),
        metadata={"description": "which areas to count (inside `area_code` when given)"},
    )


class MapArgs(HotspotArgs):
    width = ma.fields.Integer(load_default=1200, validate=ma.validate.Range(min=600, max=2400))


class RepeatPlaceArgs(PeriodArgs):
    min_reports = ma.fields.Integer(
        load_default=3,
        validate=ma.validate.Range(min=2, max=10_000),
        metadata={"description": "at least this many cases in the window"},
    )
    category_code = ma.fields.String(
        validate=CODE, metadata={"description": "only this category (and below)"}
    )
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class CountSchema(Schema):
    key = ma.fields.String(allow_none=True, required=True, metadata={"description": "stored value"})
    name = ma.fields.String(required=True, metadata={"description": "Chinese name"})
    count = ma.fields.Integer(required=True)


class RateSchema(Schema):
    value = ma.fields.Float(allow_none=True, required=True, metadata={"description": "0–1"})
    numerator = ma.fields.Integer(required=True)
    denominator = ma.fields.Integer(required=True)


class RatesSchema(Schema):
    mediation = ma.fields.Nested(
        RateSchema,
        required=True,
        metadata={"description": "化解率: mediated or agreement ÷ resolved"},
    )
    on_time = ma.fields.Nested(
        RateSchema,
        required=True,
        metadata={"description": "按时办结率: resolved by due_at ÷ resolved with a due_at"},
    )
    satisfaction = ma.fields.Nested(
        RateSchema,
        required=True,
        metadata={"description": "满意率: latest call-back (basically) satisfied ÷ called back"},
    )


class ReworkSchema(Schema):
    reopens = ma.fields.Integer(
        required=True, metadata={"description": "返工: sum of reopen_count"}
    )
    cases = ma.fields.Integer(
        required=True, metadata={"description": "cases reopened at least once"}
    )


class DurationSchema(Schema):
    count = ma.fields.Integer(required=True)
    median_seconds = ma.fields.Float(allow_none=True, required=True)
    p90_seconds = ma.fields.Float(allow_none=True, required=True)


class FiguresSchema(Schema):
    total = ma.fields.Integer(required=True, metadata={"description": "cases received"})
    resolved = ma.fields.Integer(required=True, metadata={"description": "resolved_at set"})
    rates = ma.fields.Nested(RatesSchema, required=True)
    rework = ma.fields.Nested(ReworkSchema, required=True)
    time_to_dispatch = ma.fields.Nested(
        DurationSchema,
        required=True,
        metadata={"description": "派单用时: dispatched_at − created_at"},
    )
    time_to_resolve = ma.fields.Nested(
        DurationSchema,
        required=True,
        metadata={"description": "办结用时: resolved_at − created_at"},
    )


class PeriodFiguresSchema(FiguresSchema):
    period_start = ma.fields.String(required=True, metadata={"description": "YYYY-MM-DD"})


class OverviewSchema(FiguresSchema):
    since = ShanghaiDateTime(allow_none=True)
    until = ShanghaiDateTime(allow_none=True)
    area_code = ma.fields.String(allow_none=True)
    generated_at = ShanghaiDateTime(required=True)
    group_by = ma.fields.String(allow_none=True)
    by_status = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    by_category = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    by_channel = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    by_risk = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    by_subdistrict = ma.fields.List(ma.fields.Nested(CountSchema), required=True)
    series = ma.fields.List(ma.fields.Nested(PeriodFiguresSchema))
    mediation = ma.fields.Nested(
        MediationFiguresSchema,
        metadata={
            "description": "调解: success per tier, sessions to agreement, escalations by "
            "the attempt rule, joint cases and their time, summons answered on time"
        },
    )


class HotspotPropertiesSchema(Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)
    by_category = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), metadata={"description": "code → n"}
    )


class HotspotFeatureSchema(Schema):
    type = ma.fields.String(required=True, metadata={"enum": ["Feature"]})
    id = ma.fields.String()
    geometry = GeoJSONGeometry(required=True)
    properties = ma.fields.Nested(HotspotPropertiesSchema, required=True)


class HotspotCollectionSchema(Schema):
    type = ma.fields.String(required=True, metadata={"enum": ["FeatureCollection"]})
    level = ma.fields.String(required=True)
    since = ShanghaiDateTime(allow_none=True)
    until = ShanghaiDateTime(allow_none=True)
    total = ma.fields.Integer(required=True, metadata={"description": "cases in the window"})
    outside_areas = ma.fields.Integer(
        required=True, metadata={"description": "of which outside every area (not on the map)"}
    )
    features = ma.fields.List(ma.fields.Nested(HotspotFeatureSchema), required=True)


class PlacePropertiesSchema(Schema):
    kind = ma.fields.String(
        required=True,
        metadata={"description": "qr_site: one QR poster's place; grid: a 100 m square"},
    )
    qr_site_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String(allow_none=True, metadata={"description": "the QR site's name"})
    count = ma.fields.Integer(required=True)
    by_category = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    first_at = ShanghaiDateTime(allow_none=True)
    last_at = ShanghaiDateTime(allow_none=True)
    bbox = ma.fields.List(
        ma.fields.Float(),
        allow_none=True,
        metadata={"description": "[minlon, minlat, maxlon, maxlat]"},
    )


class PlaceFeatureSchema(Schema):
    type = ma.fields.String(required=True, metadata={"enum": ["Feature"]})
    geometry = GeoJSONGeometry(required=True, metadata={"description": "centre of the cases"})
    properties = ma.fields.Nested(PlacePropertiesSchema, required=True)


class PlaceCollectionSchema(Schema):
    type = ma.fields.String(required=True, metadata={"enum": ["FeatureCollection"]})
    min_reports = ma.fields.Integer(required=True)
    cell_m = ma.fields.Float(required=True)
    since = ShanghaiDateTime(allow_none=True)
    until = ShanghaiDateTime(allow_none=True)
    features = ma.fields.List(ma.fields.Nested(PlaceFeatureSchema), required=True)
