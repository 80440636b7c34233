"""Request and response shapes for categories."""

import marshmallow as ma

from app.core.schemas import Schema

CODE = ma.validate.Regexp(r"^[a-z0-9_.]{1,40}$", error="lower-case letters, digits, _ and . only")


class CategorySchema(Schema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    parent_code = ma.fields.String(load_default=None, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)


class CategoryListArgs(Schema):
    include_retired = ma.fields.Boolean(load_default=False)
