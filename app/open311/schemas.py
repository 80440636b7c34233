"""Shapes of the admin endpoints for Open311 client keys (the GeoReport API itself is XML/JSON
written by app.open311.render, documented on its views)."""

import marshmallow as ma

from app.core.schemas import Schema, ShanghaiDateTime

NO_CONTROL_CHARACTERS = ma.validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="control characters")
RATE_LIMIT_DOC = {"description": 'Flask-Limiter notation, e.g. "60 per minute;2000 per day"'}


class KeyCreateSchema(Schema):
    name = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=100), NO_CONTROL_CHARACTERS],
        metadata={"description": "the client application, e.g. 12345平台"},
    )
    rate_limit = ma.fields.String(
        load_default=None, validate=ma.validate.Length(max=100), metadata=RATE_LIMIT_DOC
    )
    area_code = ma.fields.String(
        load_default=None, metadata={"description": "reports only inside this area"}
    )
    asynchronous = ma.fields.Boolean(
        load_default=False, metadata={"description": "POST answers with a token, not the id"}
    )


class KeyUpdateSchema(Schema):
    rate_limit = ma.fields.String(
        validate=ma.validate.Length(min=1, max=100), metadata=RATE_LIMIT_DOC
    )
    area_code = ma.fields.String(allow_none=True)
    asynchronous = ma.fields.Boolean()


class KeySchema(Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    key_prefix = ma.fields.String(
        required=True, metadata={"description": "the key's first characters, to tell keys apart"}
    )
    active = ma.fields.Boolean(required=True)
    rate_limit = ma.fields.String(required=True, metadata=RATE_LIMIT_DOC)
    area_code = ma.fields.String(allow_none=True)
    asynchronous = ma.fields.Boolean(required=True)
    created_at = ShanghaiDateTime(required=True)
    revoked_at = ShanghaiDateTime(allow_none=True)
    last_used_at = ShanghaiDateTime(allow_none=True)


class KeyCreatedSchema(KeySchema):
    api_key = ma.fields.String(
        required=True,
        metadata={"description": "the secret, shown this once; only its hash is kept"},
    )
