"""A schema's dump without marshmallow's per-value machinery, for the pages read most.

Marshmallow walks every field of every item through generic code (a page of the queue cost
~36 ms of its ~50 ms at 1,000,000 reports). `dumper(Schema)` reads the schema once and returns
a function writing the same dict — the same keys in the same order, the same values — with a
direct conversion for the plain field types and the field's own `_serialize` for the rest (the
project's Shanghai times, masked phones, geometries), so a new field type is still right, only
not faster. tests/core/test_plain_dump.py holds the two to the same JSON, byte for byte.
"""

import itertools
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import marshmallow as ma
from flask import Response, current_app
from sqlalchemy.orm import instrumentation

from app.core.schemas import instance_of

_MISSING = ma.missing


def _number(kind: type) -> Callable[[Any], Any]:
    return lambda value: None if value is None else kind(value)


def _string(value: Any) -> Any:
    return None if value is None else (value if isinstance(value, str) else str(value))


def _boolean(field: ma.fields.Boolean) -> Callable[[Any], Any]:
    truthy, falsy = field.truthy, field.falsy

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            if value in truthy:
                return True
            if value in falsy:
                return False
        except TypeError:
            pass
        return bool(value)

    return convert


def _converter(field: ma.fields.Field) -> Callable[..., Any]:
    """The dumped value as `field._serialize` gives it: a plain type's converter takes the value
    alone, `field._serialize` itself (value, attribute, object)."""
    kind = type(field)
    if kind is ma.fields.Integer and not field.as_string:
        convert = _number(int)
    elif kind is ma.fields.Float and not field.as_string:
        convert = _number(float)
    elif kind is ma.fields.String:
        convert = _string
    elif kind is ma.fields.Boolean:
        convert = _boolean(field)
    elif kind is ma.fields.Dict and field.key_field is None and field.value_field is None:

        def convert(value):
            return None if value is None else dict(value)
    elif (
        kind is ma.fields.Nested
        and isinstance(field.nested, type)
        and not field.many
        and field.only is None
        and not field.exclude
    ):
        inner = dumper(field.nested)

        def convert(value):
            return None if value is None else inner(value)
    elif kind is ma.fields.List and type(field.inner) in (ma.fields.Nested, ma.fields.String):
        item = _converter(field.inner)
        plain = _is_plain(item, field.inner)

        def convert(value):
            if value is None:
                return None
            return [item(v) if plain else item(v, None, None) for v in value]
    else:
        return field._serialize
    return convert


@cache
def dumper(schema: type[ma.Schema]) -> Callable[[Any], dict]:
    """A function dumping one object as `schema().dump` does (declared fields, no `only`,
    no hooks: schemas with dump hooks are refused rather than dumped differently)."""
    return instance_dumper(instance_of(schema))


def instance_dumper(instance: ma.Schema) -> Callable[[Any], dict]:
    """The same for one schema instance, as made (its `only` and `exclude` included): build it
    once and keep it."""
    schema = type(instance)
    if instance._hooks[ma.decorators.POST_DUMP] or instance._hooks[ma.decorators.PRE_DUMP]:
        raise TypeError(f"{schema.__name__} has dump hooks: dump it with marshmallow")
    plan = []
    for name, field in instance.dump_fields.items():
        attribute = field.attribute or name
        if "." in attribute:
            raise TypeError(f"{schema.__name__}.{name}: dotted attributes are not supported")
        key = field.data_key or name
        # Function and Method fields read the object themselves: no attribute to look up.
        read = field._CHECK_ATTRIBUTE
        convert = _converter(field)
        plan.append((key, attribute, read, convert, _is_plain(convert, field), field.dump_default))
    attributes = tuple(attribute for _key, attribute, *_rest in plan)

    def dump(obj: Any) -> dict:
        out = {}
        mapping = isinstance(obj, Mapping)
        loaded = None if mapping else _loaded(obj, attributes)
        for (key, attribute, read, convert, plain, default), direct in zip(
            plan, loaded[1] if loaded else _NO_DIRECT, strict=False
        ):
            if not read:
                value = None
            elif mapping:
                value = obj.get(attribute, _MISSING)
            else:
                value = loaded[0].get(attribute, _MISSING) if direct else _MISSING
                if value is _MISSING:
                    value = getattr(obj, attribute, _MISSING)
            if value is _MISSING:
                if default is _MISSING:
                    continue
                value = default() if callable(default) else default
            out[key] = convert(value) if plain else convert(value, attribute, obj)
        return out

    return dump


def _is_plain(convert: Callable, field: ma.fields.Field) -> bool:
    # The field's own _serialize wants (value, attribute, object); the plain converters, the value.
    return getattr(convert, "__self__", None) is not field


# Endless "no": zip() against it reads every attribute through getattr.
_NO_DIRECT = itertools.repeat(False)


def _loaded(obj: Any, attributes: tuple[str, ...]) -> tuple[dict, tuple[bool, ...]] | None:
    """A mapped object's loaded values and, per attribute, whether one may be read from them.

    The ORM's attribute (a Python descriptor: most of the dump's time) returns the value in the
    instance's __dict__ when it is there, and loads it otherwise; the dump does the same
    without the descriptor. Only for attributes the ORM populates so: anything else is read
    with getattr."""
    state = getattr(obj, "_sa_instance_state", None)
    if state is None:
        return None
    return obj.__dict__, _populated_in_dict(type(obj), attributes)


@cache
def _populated_in_dict(kind: type, attributes: tuple[str, ...]) -> tuple[bool, ...]:
    manager = instrumentation.manager_of_class(kind)
    # A synonym, a hybrid or a plain property has no attribute implementation of its own.
    impls = (getattr(manager.get(attribute), "impl", None) for attribute in attributes)
    return tuple(bool(getattr(impl, "supports_population", False)) for impl in impls)


def json_response(schema: type[ma.Schema], obj: Any) -> Response:
    """`obj` dumped by `schema`'s plain dumper, as the JSON answer (flask-smorest passes a
    Response through; the route's @response still documents the schema)."""
    return current_app.json.response(dumper(schema)(obj))
