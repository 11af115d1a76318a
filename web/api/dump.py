"""The API's output schemas compiled into plain functions.

APIFlask writes a route's answer through its ``@output`` schema with marshmallow's
``dump``: on a short request that was a tenth of its Python. ``compiled(schema)`` writes
exactly what ``schema.dump(obj)`` writes, with each field turned once into one getter and
one conversion. A schema, or a nested one, with a field or an option this module does not
reproduce (an unknown field class, ``dump_default``, a dotted attribute, ``only`` or
``exclude``, dump hooks) keeps marshmallow's own ``dump``, so the output never differs;
``tests/web/test_dump.py`` holds both to the same results on every output schema of the
API. The OpenAPI document still comes from the schemas.

:class:`CompiledAdapter` is registered as APIFlask's marshmallow adapter (a public
extension point: ``schema_adapters.registry.register``) before the API's routes are
declared.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from apiflask.schema_adapters import registry
from apiflask.schema_adapters.marshmallow import MarshmallowAdapter
from apiflask.schemas import EmptySchema, FileSchema
from marshmallow import Schema, fields
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import missing

Dump = Callable[[Any], Any]
_ABSENT = object()


class _Unsupported(Exception):
    """A field or option this module does not reproduce: marshmallow dumps that schema."""


def _getter(name: str) -> Dump:
    """marshmallow's lookup: a key of a mapping, else an attribute; _ABSENT when neither."""
    def get(obj: Any) -> Any:
        if isinstance(obj, Mapping):
            return obj.get(name, _ABSENT)
        return getattr(obj, name, _ABSENT)
    return get


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _integer(value: Any) -> Any:
    return None if value is None else int(value)


def _number(value: Any) -> Any:
    return None if value is None else float(value)


def _dict(field: fields.Dict) -> Dump:
    if field.key_field is None and field.value_field is None:
        return lambda value: None if value is None else dict(value)
    key = _converter(field.key_field) if field.key_field is not None else _same
    each = _converter(field.value_field) if field.value_field is not None else _same
    return lambda value: None if value is None else {key(k): each(v) for k, v in value.items()}


def _same(value: Any) -> Any:
    return value


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _boolean(field: fields.Boolean) -> Dump:
    truthy, falsy = field.truthy, field.falsy

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            if value in truthy:
                return True
            if value in falsy:
                return False
        except TypeError:  # unhashable: as marshmallow, its truth value
            pass
        return bool(value)
    return convert


def _nested(inner: Dump) -> Dump:
    return lambda value: None if value is None else inner(value)


def _listed(each: Dump) -> Dump:
    return lambda value: None if value is None else [each(v) for v in value]


def _converter(field: fields.Field) -> Dump:
    kind = type(field)
    simple = {fields.String: _text, fields.Raw: _same}
    if kind in simple:
        return simple[kind]
    if kind is fields.Integer and not field.strict and not field.as_string:  # type: ignore[attr-defined]
        return _integer
    if kind is fields.Float and not field.as_string:  # type: ignore[attr-defined]
        return _number
    if kind is fields.Boolean:
        return _boolean(field)  # type: ignore[arg-type]
    if kind in (fields.DateTime, fields.Date) and (field.format or field.DEFAULT_FORMAT) == "iso":  # type: ignore[attr-defined]
        return _iso
    if kind is fields.Dict:
        return _dict(field)  # type: ignore[arg-type]
    if kind is fields.Nested and not field.many:  # type: ignore[attr-defined]
        return _nested(compiled(field.schema))  # type: ignore[attr-defined]
    if kind is fields.List:
        return _listed(_converter(field.inner))  # type: ignore[attr-defined]
    raise _Unsupported(field)


def _compile(schema: Schema) -> Dump:
    if schema.only or schema.exclude or schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP]:  # noqa: SLF001
        raise _Unsupported(schema)
    plan = []
    for name, field in schema.dump_fields.items():
        attribute = field.attribute or name
        if field.dump_default is not missing or "." in attribute:
            raise _Unsupported(field)
        plan.append((field.data_key or name, _getter(attribute), _converter(field)))

    def dump(obj: Any) -> dict[str, Any]:
        out = {}
        for key, get, convert in plan:
            value = get(obj)
            if value is not _ABSENT:
                out[key] = convert(value)
        return out
    return dump


def compiled(schema: Schema) -> Dump:
    """``schema.dump`` of one object (whatever the schema's ``many``) as a compiled
    function, or marshmallow's own (marked ``by_marshmallow``)."""
    try:
        return _compile(schema)
    except _Unsupported:
        def by_marshmallow(obj: Any) -> Any:
            return schema.dump(obj, many=False)
        by_marshmallow.by_marshmallow = True  # type: ignore[attr-defined]
        return by_marshmallow


class CompiledAdapter(MarshmallowAdapter):
    """APIFlask's marshmallow adapter, writing outputs with :func:`compiled` dumpers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = self.schema
        self._dump = (compiled(schema) if isinstance(schema, Schema) and not isinstance(schema, (EmptySchema, FileSchema))
                      else None)

    def serialize_output(self, data: Any, many: bool = False) -> Any:
        if self._dump is None:
            return super().serialize_output(data, many=many)
        return [self._dump(item) for item in data] if many else self._dump(data)


registry.register("marshmallow", CompiledAdapter)
