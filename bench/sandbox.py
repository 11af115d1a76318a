"""Sandbox benchmark: what the restricted evaluation of diagram code costs.

In one process, interleaved rounds (the machine is shared: only ratios mean anything):
  (u) unrestricted — Spiff's TaskDataEnvironment plus the helpers, as before the sandbox
      (``eval``/``exec`` of the text, real builtins, compiled at every evaluation);
  (s) our sandbox — AST allow-list compiled once per text and cached, guarded operators,
      a time/memory budget per evaluation (engine/sandbox.py, engine/limits.py);
  (r) RestrictedPython, when importable (``--restricted-path DIR`` adds a ``pip install
      --target DIR RestrictedPython``): compile_restricted cached per text, its guards — and
      no time or memory limit at all;
over every expression of the shipped procedures (processes/*.bpmn, *.dmn: conditions,
scripts, timers, assignees, service parameters, DMN inputs and cells composed as Spiff's
DMN engine composes them), each with sample data. Then, with ``--workload``, the whole
procedure suite (tests/procedures on SQLite: real dossiers filed, examined, signed) run
once with (u) and once with (s), timing the evaluations inside it and the whole.

    .venv/bin/python bench/sandbox.py --rounds 5 [--restricted-path /tmp/rp_site] [--workload]
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.exprcheck import _BPMN_EXPRESSIONS, _QUESTION_MARK, NS  # noqa: E402
from engine.expressions import HelperEnvironment, bind  # noqa: E402
from engine.lint import is_iso_duration  # noqa: E402
from engine.sandbox import _names  # noqa: E402

OPINION = {"organisme": "agence_urbaine", "avis": "favorable_reserve", "conforme": True,
           "reserves": "Retrait de 3 m", "motif": None, "plans_modifies": False}
DATA: dict[str, Any] = {
    "fields": {"surface": 120, "niveaux": 2, "usage": "habitation_individuelle", "activite": "commerce"},
    "procedure": "permis_construire", "opinions": ["favorable", "defavorable"],
    "avis_recus": [OPINION, {**OPINION, "organisme": "urbanisme", "avis": "favorable", "conforme": False}],
    "avis_conformes": ["agence_urbaine"], "outcome": "refus", "complete": True, "classified": True,
    "fees_applicable": True, "fees_due": True, "commission_kind": "economique", "decision": "accord",
    "member": {"user": "u1"}, "examen": "avis_recueillis", "payment_confirmed": True,
    "applicant_id": "a1", "reminder_delay": "P25D", "study_deadline": "P30D",
}
Case = tuple[str, str, dict[str, Any] | None]  # (code, mode, external context)


class Unrestricted(TaskDataEnvironment):  # type: ignore[misc]
    """The environment before the sandbox (engine/expressions.py at b91f9d2)."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        return super().evaluate(expression, context, {**bind(context), **(external_context or {})})

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        helpers = {k: v for k, v in bind(context).items() if k not in context}
        return bool(super().execute(script, context, {**helpers, **(external_context or {})}))


class Restricted:
    """RestrictedPython with its standard guards, the same helpers and names."""

    def __init__(self) -> None:
        import RestrictedPython as rp
        from RestrictedPython import Eval, Guards
        self.rp = rp
        builtins = {**rp.safe_builtins, **rp.limited_builtins, **rp.utility_builtins}
        self.base = {"__builtins__": builtins, "_getattr_": Guards.safer_getattr,
                     "_getitem_": Eval.default_guarded_getitem, "_getiter_": Eval.default_guarded_getiter,
                     "_iter_unpack_sequence_": Guards.guarded_iter_unpack_sequence,
                     "_write_": Guards.full_write_guard, "_inplacevar_": _inplace}
        self.code = lru_cache(maxsize=4096)(self._compile)

    def _compile(self, source: str, mode: str) -> Any:
        code = (self.rp.compile_restricted_eval if mode == "eval" else self.rp.compile_restricted_exec)(source).code
        return code, _names(code)  # bound like ours: only the helpers the code reads

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        code, names = self.code(expression, "eval")
        return eval(code, {**self.base, **bind(context, names), **(external_context or {}), **context})  # noqa: S307

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        code, names = self.code(script, "exec")
        scope = {**self.base, **bind(context, names), **(external_context or {}), **context}
        exec(code, scope)  # noqa: S102
        context.update({k: v for k, v in scope.items() if k not in self.base and not callable(v)})
        return True


def _inplace(op: str, x: Any, y: Any) -> Any:
    return {"+=": lambda: x + y, "-=": lambda: x - y, "*=": lambda: x * y}[op]()


def cases() -> list[Case]:
    """Every expression of processes/, as the engine evaluates it."""
    out: list[Case] = []
    for path in sorted((ROOT / "processes").glob("*.bpmn")):
        root = etree.parse(str(path)).getroot()
        for xpath, _, mode in _BPMN_EXPRESSIONS:
            out += [((el.text or "").strip() if mode == "eval" else el.text, mode, None)
                    for el in root.iterfind(xpath, NS) if (el.text or "").strip()]
        out += [(el.get("value"), "eval", None) for el in root.iterfind(".//spiff:parameter", NS)]
        out += [(el.get("value"), "eval", None) for el in root.iterfind(".//spiff:property", NS)
                if el.get("name") in ("assignee", "deadline") and not is_iso_duration(el.get("value") or "")]
        out += [((el.text or "").strip(), "eval", None) for el in root.iterfind(".//bpmn:timerEventDefinition/*", NS)]
    for path in sorted((ROOT / "processes").glob("*.dmn")):
        root = etree.parse(str(path)).getroot()
        ns = {"d": etree.QName(root).namespace}
        for table in root.iterfind(".//d:decisionTable", ns):
            inputs = [(el.text or "").strip() for el in table.iterfind("d:input/d:inputExpression/d:text", ns)]
            out += [(i, "eval", None) for i in inputs]
            for rule in table.iterfind("d:rule", ns):
                for expr, cell in zip(inputs, rule.iterfind("d:inputEntry/d:text", ns), strict=False):
                    out += _cell(expr, (cell.text or "").strip())
                out += [((el.text or "").strip(), "eval", None) for el in rule.iterfind("d:outputEntry/d:text", ns)
                        if (el.text or "").strip()]
    return out


def _cell(expr: str, cell: str) -> list[Case]:
    if not cell or cell == "-":
        return []
    match = _QUESTION_MARK.sub("dmninputexpr", cell)
    if "dmninputexpr" in match:  # as SpiffWorkflow's DMNEngine.evaluate
        return [(expr, "eval", None), (match, "eval", {"dmninputexpr": Unrestricted().evaluate(expr, copy.deepcopy(DATA))})]
    try:
        compile(match, "<cell>", "eval")
        return [(f"({expr}) == ({match})", "eval", None)]
    except SyntaxError:
        return [(expr + match, "eval", None)]


def run(env: Any, work: list[Case], repeat: int) -> float:
    t0 = time.perf_counter()
    for _ in range(repeat):
        for code, mode, external in work:
            data = dict(DATA)
            if mode == "eval":
                env.evaluate(code, data, external)
            else:
                env.execute(code, data, external)
    return time.perf_counter() - t0


def workload(env_class: Callable[..., Any]) -> tuple[float, float, int]:
    """The procedure suite with ``env_class`` as the engine's environment: (seconds in
    evaluations, seconds in all, evaluations)."""
    import pytest

    from engine import loop
    spent, count = [0.0], [0]

    class Timed(env_class):  # type: ignore[misc, valid-type]
        def evaluate(self, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return super().evaluate(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - t0
                count[0] += 1

        def execute(self, *args: Any, **kwargs: Any) -> bool:
            t0 = time.perf_counter()
            try:
                return bool(super().execute(*args, **kwargs))
            finally:
                spent[0] += time.perf_counter() - t0
                count[0] += 1

    original = loop.HelperEnvironment
    loop.HelperEnvironment = Timed if env_class is not Unrestricted else _with_lookups(Timed)
    t0 = time.perf_counter()
    try:
        assert pytest.main(["-q", "-p", "no:cacheprovider", "--db", "sqlite", str(ROOT / "tests" / "procedures"),
                            "-k", "not documented_set"]) == 0
    finally:
        loop.HelperEnvironment = original
    return spent[0], time.perf_counter() - t0, count[0]


def _with_lookups(base: type) -> type:
    """(u) with the domain's lookups too, bound as before (the constructor takes them)."""
    class WithLookups(base):  # type: ignore[misc, valid-type]
        def __init__(self, lookups: Any = None, **_: Any) -> None:
            super().__init__()
            self.lookups = lookups

        def _all(self, context: dict[str, Any]) -> dict[str, Any]:  # every lookup, as before
            return self.lookups(context, self.lookups.__self__.registry.lookups.keys()) if self.lookups else {}

        def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
            extra = self._all(context)
            return super().evaluate(expression, context, {**extra, **(external_context or {})})

        def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
            extra = {k: v for k, v in self._all(context).items() if k not in context}
            return bool(super().execute(script, context, {**extra, **(external_context or {})}))
    return WithLookups


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=200)
    ap.add_argument("--restricted-path", help="a directory holding RestrictedPython (pip install --target)")
    ap.add_argument("--workload", action="store_true", help="also run tests/procedures with (u) and (s)")
    args = ap.parse_args()
    if args.restricted_path:
        sys.path.insert(0, args.restricted_path)
    work = cases()
    envs: dict[str, Any] = {"u": Unrestricted(), "s": HelperEnvironment()}
    try:
        envs["r"] = Restricted()
    except ImportError:
        print("(r) skipped: RestrictedPython is not importable (see --restricted-path)")
    times: dict[str, list[float]] = {k: [] for k in envs}
    for _ in range(args.rounds):
        for key, env in envs.items():
            times[key].append(run(env, work, args.repeat))
    med = {k: statistics.median(v) for k, v in times.items()}
    n = len(work) * args.repeat
    print(f"{len(work)} evaluations of the shipped procedures' expressions x {args.repeat}, "
          f"{args.rounds} rounds (medians)")
    labels = {"u": "(u) unrestricted (before)", "s": "(s) sandbox: AST allow-list, cached, bounded",
              "r": "(r) RestrictedPython, cached, no limits"}
    for key, value in med.items():
        print(f"{labels[key]:48} {value / n * 1e6:7.2f} µs/evaluation  ratio to (u) {value / med['u']:.2f}")
    if args.workload:
        (u_expr, u_all, u_n), (s_expr, s_all, _) = workload(Unrestricted), workload(HelperEnvironment)
        print(f"tests/procedures (SQLite), {u_n} evaluations: in expressions (u) {u_expr * 1000:.0f} ms / "
              f"(s) {s_expr * 1000:.0f} ms, ratio {s_expr / u_expr:.2f}; whole run (u) {u_all:.1f} s / "
              f"(s) {s_all:.1f} s; expressions' share of the run (u) {u_expr / u_all:.2%} / (s) {s_expr / s_all:.2%}")


if __name__ == "__main__":
    main()
