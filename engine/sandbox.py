"""The restricted Python of diagrams: what a flow condition, a script, a timer, an assignee
or deadline, a multi-instance setting, a service-task parameter or a DMN cell may say.

An allow-list over Python's syntax tree: literals, names, arithmetic and comparisons,
``and``/``or``/``not``, ``x if c else y``, calls, subscripts, list/dict/set displays and
comprehensions, f-strings, and in scripts assignments, ``if``, ``for``, ``while``. Refused:
imports, ``def``/``lambda``/``class``, ``try``/``with``/``raise``/``global``/``yield``…,
every attribute or name beginning with ``__`` (attributes: with ``_``), the introspection
attributes of generators, frames and code (``gi_frame``, ``f_globals``…), ``str.format``
(its fields read attributes), and calls of ``eval``, ``getattr``, ``open``… The names an
expression sees are its task data, :data:`SAFE_BUILTINS`, :data:`NAMES` (dates, durations,
``Decimal``) and the helpers and lookups bound for it — no module, no real builtins.

:func:`refusals` says what is refused, in French, for validation; :func:`compiled` refuses
the same at run time (code deployed by another way, or built by the DMN engine) and
rewrites what it accepts so that loops tick a :class:`~engine.limits.Budget` and
size-growing operations are bounded (:mod:`engine.limits`). Compiled once per text, cached.
"""
from __future__ import annotations

import ast
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from types import CodeType
from typing import Any, NamedTuple

from .limits import CALLED_TYPES, GROWING_METHODS, SAFE_BUILTINS

NAMES: dict[str, Any] = {"datetime": datetime, "date": date, "timedelta": timedelta, "Decimal": Decimal}

_ALLOWED = (
    ast.Expression, ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.Delete, ast.If, ast.For,
    ast.While, ast.Break, ast.Continue, ast.Pass, ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare,
    ast.IfExp, ast.Call, ast.keyword, ast.Constant, ast.Name, ast.Attribute, ast.Subscript, ast.Slice,
    ast.Starred, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
    ast.GeneratorExp, ast.comprehension, ast.JoinedStr, ast.FormattedValue, ast.NamedExpr,
    ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop,
)
# parts of a construct refused as a whole (its arguments, its names…): not reported again
_PARTS = (ast.arguments, ast.arg, ast.alias, ast.excepthandler, ast.withitem, ast.match_case, ast.pattern)
_CONSTRUCTS = {
    "Import": "importer un module (« import ») n'est pas permis",
    "ImportFrom": "importer un module (« from … import ») n'est pas permis",
    "Lambda": "définir une fonction (« lambda ») n'est pas permis",
    "FunctionDef": "définir une fonction (« def ») n'est pas permis",
    "AsyncFunctionDef": "définir une fonction (« async def ») n'est pas permis",
    "ClassDef": "définir une classe (« class ») n'est pas permis",
    "Try": "« try » n'est pas permis : une erreur doit arrêter l'étape", "TryStar": "« try » n'est pas permis",
    "Raise": "« raise » n'est pas permis", "With": "« with » n'est pas permis",
    "Global": "« global » n'est pas permis", "Nonlocal": "« nonlocal » n'est pas permis",
    "Yield": "« yield » n'est pas permis", "YieldFrom": "« yield from » n'est pas permis",
    "Await": "« await » n'est pas permis", "Return": "« return » n'est pas permis",
    "Match": "« match » n'est pas permis", "Assert": "« assert » n'est pas permis",
}
# attributes that reach a frame, code or globals without an underscore
_INSPECT = re.compile(r"^(gi|cr|ag|f|co|tb|func|im)_|^(mro|format|format_map)$")
_CALLS = frozenset({"eval", "exec", "compile", "open", "getattr", "setattr", "delattr", "hasattr",
                    "globals", "locals", "vars", "dir", "type", "object", "super", "input",
                    "breakpoint", "help", "memoryview", "classmethod", "staticmethod", "property",
                    "exit", "quit", "print", "iter", "next", "id", "hash", "callable", "issubclass"})
_LIST = "voir « Écrire une procédure » dans le README"
_MAX_SPEC = re.compile(r"\d{7,}")  # a format width of a million characters or more


class Refused(Exception):
    """Code the sandbox does not run; ``message`` in French, ``line`` within the code."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message, self.line = message, line


def _refusal(node: ast.AST) -> str | None:
    kind = type(node).__name__
    if kind in _CONSTRUCTS:
        return _CONSTRUCTS[kind]
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_") or _INSPECT.search(node.attr):
            hint = " : écrivez une f-chaîne f\"…{x}…\"" if node.attr.startswith("format") else ""
            return f"l'attribut « .{node.attr} » n'est pas permis{hint}"
        if not isinstance(node.ctx, ast.Load):
            return f"modifier un attribut (« .{node.attr} = … ») n'est pas permis"
    elif isinstance(node, ast.Name) and node.id.startswith("__"):
        return f"le nom « {node.id} » n'est pas permis (les noms commençant par __ sont réservés)"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS:
        return f"« {node.func.id}(…) » n'est pas disponible dans un diagramme ({_LIST})"
    elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        if any(isinstance(v, ast.FormattedValue) for v in ast.walk(node.format_spec) if v is not node):
            return "un format calculé dans une f-chaîne (« {x:{y}} ») n'est pas permis"
        if any(_MAX_SPEC.search(str(c.value)) for c in ast.walk(node.format_spec) if isinstance(c, ast.Constant)):
            return "la largeur demandée dans la f-chaîne est trop grande"
    elif not isinstance(node, _ALLOWED + _PARTS):
        return f"la construction Python « {kind} » n'est pas permise ({_LIST})"
    return None


def _direct(tree: ast.AST) -> set[int]:
    """The nodes used as a callee, an attribute's object or isinstance's class."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            ids.add(id(node.func))
            if isinstance(node.func, ast.Name) and node.func.id == "isinstance" and len(node.args) == 2:
                kinds = node.args[1]
                ids.update(id(k) for k in (kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]))
        elif isinstance(node, ast.Attribute):
            ids.add(id(node.value))
    return ids


def _problems(tree: ast.AST) -> list[tuple[int | None, str]]:
    direct = _direct(tree)
    found = []
    for node in ast.walk(tree):
        message = _refusal(node)
        # only a direct call is bounded: not map(str.ljust, …) nor map(str, …)
        if message is None and isinstance(node, ast.Attribute) and node.attr in GROWING_METHODS \
                and id(node) not in direct:
            message = f"« .{node.attr} » ne peut qu'être appelé directement, par exemple x.{node.attr}(…)"
        elif message is None and isinstance(node, ast.Name) and node.id in CALLED_TYPES \
                and isinstance(node.ctx, ast.Load) and id(node) not in direct:
            message = f"« {node.id} » ne peut qu'être appelé directement, par exemple {node.id}(x)"
        if message is not None:
            found.append((getattr(node, "lineno", None), message))
    return found


_MAX_SOURCE = 20_000  # characters: without loops, time is bounded by the length of the code
_TOO_LONG = f"le code dépasse {_MAX_SOURCE:,} caractères : découpez-le en plusieurs étapes".replace(",", " ")


def refusals(source: str, mode: str = "eval") -> list[tuple[int | None, str]]:
    """Each forbidden construct of ``source`` (which must parse): (line in the code, message)."""
    if len(source) > _MAX_SOURCE:
        return [(1, _TOO_LONG)]
    found = _problems(ast.parse(source, mode=mode))
    if not found:
        try:
            compiled(source, mode)  # and cached for the first run
        except RecursionError:  # bounding it nests calls: Python's own limit comes sooner
            found.append((1, "l'expression est trop imbriquée : découpez-la (un script, des variables)"))
    return sorted(set(found), key=lambda f: (f[0] or 0, f[1]))


def _call(name: str, *args: ast.expr, keywords: list[ast.keyword] | None = None) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=keywords or [])


_OPS = {ast.Mult: "__g_mul", ast.Pow: "__g_pow", ast.LShift: "__g_lshift", ast.Add: "__g_add",
        ast.Mod: "__g_mod"}


class _Bound(ast.NodeTransformer):
    """Ticks in loops, size guards on the operations that can grow without a loop."""

    def _tick(self) -> ast.Call:
        return _call("__g_tick")

    def visit_While(self, node: ast.While) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(self._tick()))
        return node

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.body.insert(0, ast.Expr(self._tick()))
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.ifs.insert(0, self._tick())
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        guard = _OPS.get(type(node.op))
        return _call(guard, node.left, node.right) if guard else node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        guard = _OPS.get(type(node.op))
        if guard is None:
            return node
        load = ast.parse(ast.unparse(node.target), mode="eval").body  # the target, read
        return ast.Assign(targets=[node.target], value=_call(guard, load, node.value))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Name) and func.id in CALLED_TYPES:
            node.func = ast.Name(id=CALLED_TYPES[func.id], ctx=ast.Load())
        elif isinstance(func, ast.Attribute) and func.attr in GROWING_METHODS:
            return _call("__g_method", func.value, ast.Constant(func.attr), *node.args, keywords=node.keywords)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        node.value = _call("__g_weigh", node.value)  # f"{l}" writes l out whole
        return node

    def _display(self, node: ast.AST, unpacked: bool) -> ast.AST:
        self.generic_visit(node)
        return _call("__g_sized", node) if unpacked else node  # type: ignore[arg-type]

    def visit_List(self, node: ast.List) -> ast.AST:
        return self._display(node, isinstance(node.ctx, ast.Load) and any(isinstance(e, ast.Starred) for e in node.elts))

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        return self._display(node, isinstance(node.ctx, ast.Load) and any(isinstance(e, ast.Starred) for e in node.elts))

    def visit_Set(self, node: ast.Set) -> ast.AST:
        return self._display(node, any(isinstance(e, ast.Starred) for e in node.elts))

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        return self._display(node, any(k is None for k in node.keys))


class Compiled(NamedTuple):
    code: CodeType
    names: frozenset[str]  # every global name the code reads: only those helpers are bound
    loops: bool  # whether it ticks a budget


def _names(code: CodeType) -> frozenset[str]:
    nested = (_names(c) for c in code.co_consts if isinstance(c, CodeType))  # comprehensions
    return frozenset(code.co_names).union(*nested)


@lru_cache(maxsize=4096)
def compiled(source: str, mode: str = "eval") -> Compiled:
    """``source`` checked and bounded, compiled; raises :class:`Refused` (or SyntaxError)."""
    if len(source) > _MAX_SOURCE:
        raise Refused(_TOO_LONG, 1)
    tree = ast.parse(source, filename="<string>", mode=mode)
    for line, message in _problems(tree):
        raise Refused(message, line)
    tree = ast.fix_missing_locations(_Bound().visit(tree))
    # "<string>": the file name Spiff looks for to report a script's failing line
    code = compile(tree, "<string>", mode, dont_inherit=True)
    names = _names(code)
    return Compiled(code, names, "__g_tick" in names)


# what every evaluation sees above its data (the data cannot replace them); its budget's
# tick is added as "__g_tick"
BASE: dict[str, Any] = {"__builtins__": SAFE_BUILTINS}
