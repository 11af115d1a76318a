"""The named helpers diagram expressions may call, and the evaluation environment that
provides them.

An analyst writes ``avis("agence_urbaine") == "defavorable"`` or
``un_avis_conforme_defavorable()`` in a DMN input, a DMN cell, a flow condition or a
script instead of a Python comprehension over the task data. :data:`HELPERS` is the
explicit, documented set of these names (processes/README.md lists them for analysts); an
the sandboxed evaluation environment (:class:`HelperEnvironment`) provides exactly these,
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

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import sandbox
from .limits import TIME_LIMIT, Budget, weigh

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


def bind(data: Mapping[str, Any], names: Collection[str] | None = None) -> dict[str, Callable[..., Any]]:
    """The helpers (those of ``names`` when given: the names an expression reads), bound to
    ``data`` (the task data of one evaluation)."""
    def bound(func: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return func(data, *args, **kwargs)
        call.__name__ = func.__name__
        call.__doc__ = func.__doc__
        return call
    wanted = HELPERS.keys() if names is None else HELPERS.keys() & names
    return {name: bound(HELPERS[name].func) for name in wanted}


@lru_cache(maxsize=4096)
def _wanted(names: frozenset[str], known: frozenset[str]) -> frozenset[str]:
    return names & known


# the domain's lookups that ``names`` asks for, bound to the data of one evaluation
Binder = Callable[[Mapping[str, Any], Collection[str]], dict[str, Callable[..., Any]]]


class HelperEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """The sandboxed environment of every diagram expression and script (engine/sandbox.py):
    the task data, the safe builtins, dates and durations, :data:`HELPERS` bound to the data
    of each evaluation — a DMN input or cell, a condition, a script see the task they run
    for — and the domain's lookups (registered with the handlers), bound the same way. Only
    the names the code reads are bound. Each evaluation has its own
    :class:`~engine.limits.Budget` of time and memory."""

    def __init__(self, lookups: Binder | None = None, time_limit: float = TIME_LIMIT,
                 lookup_names: Collection[str] = ()):
        super().__init__()
        self.lookups = lookups
        self.time_limit = time_limit
        self.known = frozenset(sandbox.NAMES) | frozenset(HELPERS) | frozenset(lookup_names)

    def _given(self, context: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
        """Dates, helpers and lookups the code reads and the data does not hide."""
        known = _wanted(names, self.known)
        if not known:  # most expressions: data and builtins only
            return {}
        wanted = [k for k in known if k not in context]
        given: dict[str, Any] = {k: sandbox.NAMES[k] for k in wanted if k in sandbox.NAMES}
        given.update(bind(context, wanted))
        if self.lookups is not None:
            given.update(self.lookups(context, wanted))
        return given

    def _tick(self, code: sandbox.Compiled) -> dict[str, Any]:
        # a fresh budget for code that loops; code that does not never reads __g_tick
        return {"__g_tick": Budget(self.time_limit).tick} if code.loops else {}

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        code = sandbox.compiled(expression, "eval")
        # the DMN engine passes a cell's input value in external_context
        scope = {**self._given(context, code.names), **(external_context or {}), **context, **sandbox.BASE,
                 **self._tick(code)}
        # what it gives may be saved in the data (a DMN output, a parameter): written out bounded
        return weigh(eval(code.code, scope))  # noqa: S307 - checked and bounded by engine.sandbox

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        code = sandbox.compiled(script, "exec")
        external = external_context or {}
        clash = set(external) & set(context)
        if clash:  # as Spiff: a field named like a name the engine passes would be lost
            raise ValueError(f"task data overwrites predefined names: {sorted(clash)}")
        added = {**self._given(context, code.names), **external}
        context.update(added)
        context.update(sandbox.BASE)
        context.update(self._tick(code))
        try:
            exec(code.code, context)  # noqa: S102 - checked and bounded by engine.sandbox
            for key in code.names & context.keys():  # what it left in the data is saved
                weigh(context[key])
        finally:  # the names given are not data: neither is a function left behind
            for key in list(context):
                if key in sandbox.BASE or key == "__g_tick" or key in added or callable(context[key]):
                    context.pop(key)
        return True
