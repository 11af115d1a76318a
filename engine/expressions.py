"""The named helpers diagram expressions may call, and the evaluation environment that
provides them.

An analyst writes ``avis("agence_urbaine") == "defavorable"`` or
``un_avis_conforme_defavorable()`` in a DMN input, a DMN cell, a flow condition or a
script instead of a Python comprehension over the task data. :data:`HELPERS` is the
explicit, documented set of these names (processes/README.md lists them for analysts); an
evaluation environment — Spiff's default here, a sandbox later — provides exactly these,
each bound to the task data of the evaluation that calls it.

The helpers read plain data and know nothing of permits beyond this contract, which the
step that consolidates a commission's opinions writes into the task data:

- ``avis_recus``: the opinions of the round, a list of
  ``{"organisme": code, "avis": "favorable" | "favorable_reserve" | "defavorable" |
  "ajourne", "conforme": bool, "reserves": str | None, "motif": str | None,
  "plans_modifies": bool}`` (``conforme``: the organism's opinion binds the decision);
- ``avis_conformes``: the organisms whose opinion is binding on this dossier (what the
  procedure's decision table of binding opinions answered).

A task-data field of the same name hides a helper, as Spiff does for its own globals: do
not name form fields after them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

OPINIONS = "avis_recus"
BINDING = "avis_conformes"
# from the least to the most severe: an organism seated twice gives its most severe opinion
SEVERITY = ("favorable", "favorable_reserve", "ajourne", "defavorable")


def _opinions(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    value = data.get(OPINIONS)
    return [o for o in value if isinstance(o, Mapping)] if isinstance(value, list) else []


def _rank(value: Any) -> int:
    return SEVERITY.index(value) if value in SEVERITY else -1


def avis(data: Mapping[str, Any], organisme: str) -> str | None:
    """The opinion the organism gave on this dossier in this round, or None."""
    given = [o.get("avis") for o in _opinions(data) if o.get("organisme") == organisme]
    return max(given, key=_rank) if given else None


def avis_defavorable(data: Mapping[str, Any], organisme: str) -> bool:
    """Whether the organism's opinion is unfavourable."""
    return avis(data, organisme) == "defavorable"


def avis_conforme(data: Mapping[str, Any], organisme: str) -> bool:
    """Whether the organism's opinion binds the decision on this dossier (avis conforme)."""
    binding = data.get(BINDING)
    if isinstance(binding, list) and organisme in binding:
        return True
    return any(o.get("organisme") == organisme and o.get("conforme") for o in _opinions(data))


def un_avis_conforme_defavorable(data: Mapping[str, Any]) -> bool:
    """Whether any binding opinion is unfavourable."""
    return any(o.get("conforme") and o.get("avis") == "defavorable" for o in _opinions(data))


def nombre_avis(data: Mapping[str, Any], *valeurs: str, conforme: bool | None = None) -> int:
    """How many opinions have one of ``valeurs`` (every opinion when none is named);
    ``conforme=True`` counts binding opinions only, ``conforme=False`` the others."""
    return sum(1 for o in _opinions(data)
               if (not valeurs or o.get("avis") in valeurs)
               and (conforme is None or bool(o.get("conforme")) == conforme))


def plans_modifies_demandes(data: Mapping[str, Any]) -> bool:
    """Whether a reserve asks the applicant for modified plans."""
    return any(o.get("avis") == "favorable_reserve" and o.get("plans_modifies") for o in _opinions(data))


AUTHORS = "auteurs"  # bpmn id → who completed that user task (written by the engine)


def auteur_de(data: Mapping[str, Any], tache: str) -> str | None:
    """Who completed the user task ``tache`` (its BPMN id) on this dossier, or None: e.g. the
    assignee of a later task, ``auteur_de("rc_check")``."""
    authors = data.get(AUTHORS)
    return str(authors[tache]) if isinstance(authors, Mapping) and authors.get(tache) else None


def liste_reserves(data: Mapping[str, Any]) -> list[str]:
    """The reserves stated with favourable-with-reserves opinions, in the order given."""
    return [str(o["reserves"]) for o in _opinions(data)
            if o.get("avis") == "favorable_reserve" and o.get("reserves")]


@dataclass(frozen=True)
class Helper:
    """One name expressions may call: the function (task data first), its call as an
    analyst writes it, and an example."""

    func: Callable[..., Any]
    call: str
    example: str

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()


HELPERS: dict[str, Helper] = {h.func.__name__: h for h in (
    Helper(avis, 'avis("organisme")', 'avis("agence_urbaine") == "favorable_reserve"'),
    Helper(avis_defavorable, 'avis_defavorable("organisme")', 'avis_defavorable("protection_civile")'),
    Helper(avis_conforme, 'avis_conforme("organisme")', 'avis_conforme("agence_urbaine")'),
    Helper(un_avis_conforme_defavorable, "un_avis_conforme_defavorable()", "un_avis_conforme_defavorable()"),
    Helper(nombre_avis, 'nombre_avis("valeur", …, conforme=None)',
           'nombre_avis("defavorable", conforme=False) > nombre_avis("favorable")'),
    Helper(plans_modifies_demandes, "plans_modifies_demandes()", "plans_modifies_demandes()"),
    Helper(liste_reserves, "liste_reserves()", 'len(liste_reserves()) >= 2'),
    Helper(auteur_de, 'auteur_de("tâche")', 'auteur_de("rc_check")'),
)}


def bind(data: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """Every helper, bound to ``data`` (the task data of one evaluation)."""
    def bound(func: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return func(data, *args, **kwargs)
        call.__name__ = func.__name__
        call.__doc__ = func.__doc__
        return call
    return {name: bound(h.func) for name, h in HELPERS.items()}


Binder = Callable[[Mapping[str, Any]], dict[str, Callable[..., Any]]]


class HelperEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """Spiff's task-data environment plus :data:`HELPERS`, bound to the data of each
    evaluation: a DMN input or cell, a condition, a script see the task they run for.
    ``lookups`` binds the domain's lookups (registered with the handlers) the same way."""

    def __init__(self, lookups: Binder | None = None):
        super().__init__()
        self.lookups = lookups

    def _helpers(self, context: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
        return {**bind(context), **(self.lookups(context) if self.lookups is not None else {})}

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        # the DMN engine passes a cell's input value in external_context: it goes on top
        return super().evaluate(expression, context, {**self._helpers(context), **(external_context or {})})

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        # Spiff refuses a script whose task data redefines an external name: a data field
        # named like a helper keeps its value there and hides the helper, as in evaluate
        helpers = {k: v for k, v in self._helpers(context).items() if k not in context}
        return bool(super().execute(script, context, {**helpers, **(external_context or {})}))
