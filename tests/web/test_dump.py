"""The API's compiled output dumpers write exactly what marshmallow's ``dump`` writes."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from apiflask import fields
from marshmallow import Schema, post_dump

import web.api
from web.api import dump


def _output_schemas() -> list[type[Schema]]:
    found: dict[str, type[Schema]] = {}
    for module in pkgutil.iter_modules(web.api.__path__):
        mod = importlib.import_module(f"web.api.{module.name}")
        for _name, value in inspect.getmembers(mod, inspect.isclass):
            if issubclass(value, Schema) and value.__module__.startswith("web.api"):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


SCHEMAS = _output_schemas()


def _value(field: Any, depth: int, variant: int) -> Any:
    """A value the field writes, different per variant (None on variant 2)."""
    if variant == 2 and depth == 0:
        return None
    kind = type(field)
    if kind is fields.Nested:
        item = _sample(field.schema, depth + 1, variant)
        return [item, item] if field.many else item
    if kind is fields.List:
        return [_value(field.inner, depth + 1, variant) for _ in range(variant + 1)]
    if kind is fields.Integer:
        return [7, "12", 3.0][variant % 3]
    if kind is fields.Float:
        return [1.5, 2, "3.25"][variant % 3]
    if kind is fields.Boolean:
        return [True, 0, "yes"][variant % 3]
    if kind is fields.DateTime:
        return datetime(2026, 12, 3, 10, 30, variant)
    if kind is fields.Date:
        return date(2026, 12, 3 + variant)
    if kind is fields.Dict:
        if field.value_field is not None:
            return {"a": _value(field.value_field, depth + 1, variant), "b": _value(field.value_field, depth + 1, 0)}
        return {"a": [1, {"b": variant}], "c": None}
    return ["texte", 42, "نص"][variant % 3]


def _sample(schema: Schema, depth: int, variant: int) -> dict[str, Any]:
    out = {}
    for i, (name, field) in enumerate(schema.dump_fields.items()):
        if variant == 1 and i % 2:  # some attributes absent: left out of the output
            continue
        out[field.attribute or name] = _value(field, depth, variant) if depth < 4 else None
    return out


@pytest.mark.parametrize("schema_cls", SCHEMAS, ids=lambda s: s.__qualname__)
@pytest.mark.parametrize("variant", [0, 1, 2])
def test_compiled_output_is_marshmallows(schema_cls: type[Schema], variant: int) -> None:
    schema = schema_cls()
    data = _sample(schema, 0, variant)
    assert dump.compiled(schema)(data) == schema.dump(data)
    assert dump.compiled(schema)(SimpleNamespace(**data)) == schema.dump(SimpleNamespace(**data))


def test_the_api_schemas_are_compiled_not_left_to_marshmallow() -> None:
    """The point of the module: the API's outputs do not fall back (a fallback is still
    correct, only slower; this says which schemas would)."""
    fallbacks = [s.__qualname__ for s in SCHEMAS if s.__qualname__.endswith("Out")
                 and getattr(dump.compiled(s()), "by_marshmallow", False)]
    assert fallbacks == []


def test_what_it_cannot_reproduce_is_left_to_marshmallow() -> None:
    class Hooked(Schema):
        name = fields.String()

        @post_dump
        def upper(self, data: dict[str, Any], **_kw: Any) -> dict[str, Any]:
            return {k: v.upper() for k, v in data.items()}

    class Defaulted(Schema):
        name = fields.String(dump_default="anonyme")

    class Email(Schema):
        address = fields.Email()

    for schema in (Hooked(), Defaulted(), Email(), Hooked(only=("name",))):
        assert dump.compiled(schema).by_marshmallow  # type: ignore[attr-defined]
    assert dump.compiled(Hooked())({"name": "a"}) == {"name": "A"}
    assert dump.compiled(Defaulted())({}) == {"name": "anonyme"}


def test_a_nested_schema_it_cannot_reproduce_keeps_marshmallow_only_there() -> None:
    class Inner(Schema):
        name = fields.String(dump_default="?")

    class Outer(Schema):
        id = fields.Integer()
        inner = fields.Nested(Inner)

    outer = Outer()
    compiled = dump.compiled(outer)
    assert not hasattr(compiled, "by_marshmallow")
    assert compiled({"id": "3", "inner": {}}) == outer.dump({"id": "3", "inner": {}}) == {"id": 3, "inner": {"name": "?"}}


def test_the_api_writes_through_the_compiled_adapter() -> None:
    from apiflask.schema_adapters import registry
    assert registry.create_adapter(web.api.schemas.TaskPage).__class__ is dump.CompiledAdapter


@pytest.mark.parametrize("schema_cls", SCHEMAS, ids=lambda s: s.__qualname__)
def test_a_schema_of_many_writes_each_item(schema_cls: type[Schema]) -> None:
    """``@output(Schema(many=True))``: the adapter is given the list, and writes each item."""
    from apiflask.schema_adapters import registry
    adapter = registry.create_adapter(schema_cls(many=True))
    items = [_sample(schema_cls(), 0, 0), _sample(schema_cls(), 0, 1)]
    assert adapter.serialize_output(items, many=True) == schema_cls(many=True).dump(items)
