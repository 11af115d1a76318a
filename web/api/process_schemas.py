"""Schemas of the analysts' process API (list, versions, validate, deploy)."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length


class ProcessOut(Schema):
    key = String()
    name = String()
    version = Integer(metadata={"description": "the newest version"})
    deployed_at = DateTime()
    deployed_by = String(allow_none=True)


class DiffOut(Schema):
    added = List(String(), metadata={"description": "file#element-id"})
    removed = List(String())
    changed = List(String())


class VersionOut(Schema):
    version = Integer()
    content_hash = String()
    deployed_at = DateTime()
    author = String(allow_none=True)
    comment = String(allow_none=True)
    diff = Nested(DiffOut, allow_none=True, metadata={"description": "since the previous version (none for v1)"})
    files = List(String(), metadata={"description": "source files, each downloadable"})


class BundleOut(Schema):
    key = String()
    version = Integer()
    files = Dict(keys=String(), values=String(), metadata={"description": "BPMN/DMN file name → XML"})
    forms = Dict(keys=String(), values=String(), metadata={"description": "form file name → JSON Schema text"})


class BundleIn(Schema):
    files = Dict(keys=String(validate=Length(max=200)), values=String(), required=True,
                 metadata={"description": "BPMN/DMN file name → XML text"})
    forms = Dict(keys=String(validate=Length(max=200)), values=String(), load_default=dict,
                 metadata={"description": "name.schema.json (and name.ui.json) → JSON text"})


class DeployIn(BundleIn):
    comment = String(load_default=None, allow_none=True, validate=Length(max=2000))


class ProblemOut(Schema):
    file = String()
    element_id = String(allow_none=True)
    line = Integer(allow_none=True)
    message = String()
    severity = String()
    text = String(metadata={"description": "file:line [element-id]: severity: message"})


class ValidationOut(Schema):
    ok = Boolean()
    processes = List(String(), metadata={"description": "the executable processes the bundle defines"})
    problems = List(Nested(ProblemOut))


class DeployedOut(Schema):
    key = String()
    version = Integer()
    created = Boolean(metadata={"description": "false: identical content was already deployed"})


class DeployOut(Schema):
    deployed = List(Nested(DeployedOut))
    problems = List(Nested(ProblemOut))
