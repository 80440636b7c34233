"""Request and response shapes for sign-in and users."""

import marshmallow as ma

from app.accounts.models import ROLES
from app.core.schemas import Schema, ShanghaiDateTime


class UserSchema(Schema):
    """A user as answers show it (never the password)."""

    id = ma.fields.Integer(dump_only=True)
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    display_name = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    roles = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(ROLES)),
        required=True,
        validate=ma.validate.Length(min=1),
    )
    area_codes = ma.fields.List(ma.fields.String(), load_default=list)
    unit_code = ma.fields.String(load_default=None, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)
    must_change_password = ma.fields.Boolean(
        dump_only=True,
        metadata={"description": "an admin set the password: only changing it works until then"},
    )
    created_at = ShanghaiDateTime(dump_only=True)


class UserCreateSchema(UserSchema):
    """A new user: the answer's fields and the password. Kept apart from UserSchema so that the
    OpenAPI document does not list a required password in every answer holding a user."""

    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=8, max=200)
    )


class UserPatchSchema(Schema):
    active = ma.fields.Boolean(required=True)


class PasswordChangeSchema(Schema):
    current_password = ma.fields.String(required=True, load_only=True)
    new_password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=8, max=200)
    )


class LoginSchema(Schema):
    username = ma.fields.String(required=True)
    password = ma.fields.String(required=True, load_only=True)


class RefreshSchema(Schema):
    refresh_token = ma.fields.String(required=True)


class TokenSchema(Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, dump_default="Bearer")
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})
    refresh_token = ma.fields.String(required=True)
    refresh_expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})
    user = ma.fields.Nested(UserSchema, required=True)
