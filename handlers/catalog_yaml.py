"""The catalog written back as ``catalog.yaml`` text (``guichet processes export``): short
lists and small maps inline, plain checklist entries as ``[kind, required]``."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from .catalog import Catalog


class _Dumper(yaml.SafeDumper):
    pass


def _short_lists(dumper: yaml.SafeDumper, data: list[Any]) -> Any:
    flow = all(not isinstance(x, Mapping | list) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


def _small_maps(dumper: yaml.SafeDumper, data: Mapping[str, Any]) -> Any:
    flow = len(data) <= 3 and all(not isinstance(v, Mapping | list) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


_Dumper.add_representer(list, _short_lists)
_Dumper.add_representer(dict, _small_maps)

HEADER = ("# The procedures offered to applicants: what they are called, which BPMN process runs them,\n"
          "# the legal checklist enforced at filing, the public status labels shown on the timeline and\n"
          "# the messages sent. Deployed data: edited in the Studio (/studio/catalog), written back here\n"
          "# by `guichet processes export`, deployed by `guichet processes deploy`.\n")


def dump(catalog: Catalog) -> str:
    """The catalog as ``catalog.yaml`` text (checklist entries as ``[kind, required]`` when plain)."""
    data = catalog.to_dict()
    for proc in data["procedures"].values():
        proc["checklist"] = [[i["kind"], i["required"]] if set(i) == {"kind", "required"} else i
                             for i in proc["checklist"]]
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    return HEADER + "\n" + body
