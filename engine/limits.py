"""What one evaluation of diagram code may spend, and the bounded operations that keep it so.

Threads cannot be killed in Python, so a sandboxed evaluation stops itself: the compiler
(:mod:`engine.sandbox`) inserts a call to :meth:`Budget.tick` at the top of every loop body
and in every comprehension, and routes the operations that can build something huge in a
single C call (``*``, ``**``, ``<<``, ``+``, ``%``, ``str.join``, ``str.replace``, padding,
``list.extend``, ``range``…) through the guards below, which check the size *before* the
allocation. A tick checks the wall clock every few iterations and the process's peak
resident memory every few dozen, so a loop that allocates a little per turn is stopped too. Code
with neither loops nor user functions (``lambda`` and ``def`` are refused) cannot run
long on data of bounded size.
"""
from __future__ import annotations

import builtins
import re
import time
from decimal import Decimal
from typing import Any

try:
    import resource
except ImportError:  # not POSIX: the size guards still hold
    resource = None  # type: ignore[assignment]

MAX_SIZE = 100_000       # characters of a string, items of a list/dict/set/range
MAX_INT_BITS = 100_000   # about 30,000 decimal digits
MAX_DATA = 1_000_000     # about the characters a value takes written out (str(), saved data)
TIME_LIMIT = 1.0         # seconds of wall clock for one evaluation
MEMORY_LIMIT = 256 << 20  # bytes the process's peak may grow by during one evaluation
_TIME_EVERY = 15         # ticks between clock readings (mask)
_MEMORY_EVERY = 63       # ticks between memory readings (mask)
_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d*)(?:\.(\d*))?")  # width and precision of a %-format


class LimitExceeded(Exception):
    """An evaluation went past one of its limits; the message is for the analyst (French)."""


def _peak() -> int:
    """The process's peak resident memory, in bytes: a syscall, cheaper than reading /proc.
    While an evaluation runs the process may pass its earlier peak by :data:`MEMORY_LIMIT`."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 if resource is not None else 0


class Budget:
    """The time and memory one evaluation may still use; ``tick`` is called on every loop turn."""

    __slots__ = ("deadline", "limit", "count", "rss")

    def __init__(self, limit: float = TIME_LIMIT):
        self.limit = limit
        self.deadline = time.monotonic() + limit
        self.count = 0
        self.rss = -1  # read at the first memory check: code without loops never pays for it

    def tick(self) -> bool:
        self.count += 1
        if not self.count & _TIME_EVERY:
            if time.monotonic() > self.deadline:
                raise LimitExceeded(f"le calcul a dépassé {self.limit:g} s et a été arrêté "
                                    "(une boucle sans fin ?)")
            if not self.count & _MEMORY_EVERY:
                self._memory()
        return True

    def _memory(self) -> None:
        peak = _peak()
        if self.rss < 0:
            self.rss = peak
        elif peak - self.rss > MEMORY_LIMIT:
            raise LimitExceeded(f"le calcul a utilisé plus de {MEMORY_LIMIT >> 20} Mo et a été arrêté")


def _too_big(what: str) -> LimitExceeded:
    return LimitExceeded(f"{what} dépasserait la taille permise ({MAX_SIZE:,} éléments)".replace(",", " "))


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


def sized(value: Any) -> Any:
    """``value`` when it is within :data:`MAX_SIZE` (a display with ``*``/``**`` unpacking)."""
    if _size(value) > MAX_SIZE:
        raise _too_big("le résultat")
    return value


def _int_check(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise LimitExceeded(f"le nombre calculé serait trop grand (plus de {MAX_INT_BITS} bits)")


def mul(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        _int_check(abs(a).bit_length() + abs(b).bit_length())
    elif isinstance(b, int) and _size(a) * b > MAX_SIZE or isinstance(a, int) and _size(b) * a > MAX_SIZE:
        raise _too_big("la répétition")
    return a * b


def pow_(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
        _int_check(abs(a).bit_length() * b)
    return a ** b


def lshift(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        _int_check(abs(a).bit_length() + max(b, 0))
    return a << b


def add(a: Any, b: Any) -> Any:
    return sized(a + b)  # each operand is within bounds, so the result is at most twice


_SCALARS = frozenset({bool, float, Decimal})


def weigh(value: Any, limit: int = MAX_DATA) -> Any:
    """``value``, when writing it out — ``str()``, an f-string, ``%``, the task data saved
    after the step — stays within ``limit``: a list holding the same long string 100 000
    times is small in memory and huge once written. Stops as soon as the limit is passed."""
    if value is None or type(value) in _SCALARS or type(value) is str and len(value) <= limit:
        return value  # most results: a boolean, a number, a short text
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, dict):
            total += len(item)
            stack += item.keys()
            stack += item.values()
        elif isinstance(item, list | tuple | set | frozenset):
            total += len(item) + 1
            stack += item
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1
        else:
            total += 1
        if total > limit:
            raise LimitExceeded(f"la valeur calculée, une fois écrite, dépasserait {limit:,} caractères"
                                .replace(",", " "))
    return value


def str_(*args: Any, **kwargs: Any) -> str:
    if args and not isinstance(args[0], str):
        weigh(args[0])
    return str(*args, **kwargs)


def sum_(iterable: Any, /, start: Any = 0) -> Any:
    if isinstance(start, int | float | Decimal):
        return sum(iterable, start)
    items = list(iterable)  # sum(lists, []) concatenates in one C call: size it first
    if _size(start) + sum(map(_size, items)) > MAX_SIZE:
        raise _too_big("la somme")
    return sum(items, start)


def _huge_decimal(value: Any) -> bool:
    """A Decimal whose integer part would exceed :data:`MAX_INT_BITS` (``int()`` of it runs long)."""
    return isinstance(value, Decimal) and value.is_finite() and value.adjusted() > MAX_INT_BITS // 3


def mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        widths = [int(n) for spec in _WIDTH.findall(a) for n in spec if n]
        values = b if isinstance(b, tuple) else (b,)
        if "*" in a or any(w > MAX_SIZE for w in widths) or any(map(_huge_decimal, values)):
            raise _too_big("le texte mis en forme")
        weigh(values)
    return a % b


def int_(*args: Any) -> int:
    if args and _huge_decimal(args[0]):
        _int_check(MAX_INT_BITS + 1)
    return int(*args)


def round_(number: Any, ndigits: int | None = None) -> Any:
    # round(1, -10**7) would compute 10**10**7 first
    if ndigits is not None and abs(ndigits) > MAX_SIZE or ndigits is None and _huge_decimal(number):
        _int_check(MAX_INT_BITS + 1)
    return round(number, ndigits)


def range_(*args: int) -> range:
    value = range(*args)
    if len(value) > MAX_SIZE:
        raise _too_big("range(…)")
    return value


def method(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """``obj.name(*args)`` for the methods that can grow what they return or change."""
    if isinstance(obj, type) and args and isinstance(args[0], obj):  # str.join(sep, items)
        return method(args[0], name, *args[1:], **kwargs)
    bound = getattr(obj, name)
    if isinstance(obj, str | bytes):
        if name == "join":
            items = list(args[0]) if args else []
            if sum(map(_size, items)) + _size(obj) * len(items) > MAX_SIZE:
                raise _too_big("le texte assemblé (join)")
            args = (items, *args[1:])
        elif name == "replace" and len(args) >= 2:
            grow = max(_size(args[1]) - _size(args[0]), 0) * (obj.count(args[0]) if args[0] else len(obj) + 1)
            if _size(obj) + grow > MAX_SIZE:
                raise _too_big("le texte remplacé (replace)")
        elif name == "expandtabs":
            if _size(obj) * (args[0] if args and isinstance(args[0], int) else 8) > MAX_SIZE:
                raise _too_big("le texte")
        elif name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int) and args[0] > MAX_SIZE:
            raise _too_big("le texte complété")
        elif name == "translate" and args and isinstance(args[0], dict):
            longest = max((_size(v) for v in args[0].values()), default=1)
            if _size(obj) * longest > MAX_SIZE:
                raise _too_big("le texte traduit (translate)")
        return bound(*args, **kwargs)
    if isinstance(obj, int) and name == "to_bytes":
        length = args[0] if args else kwargs.get("length", 1)
        if isinstance(length, int) and length > MAX_SIZE:
            raise _too_big("to_bytes(…)")
        return bound(*args, **kwargs)
    result = bound(*args, **kwargs)
    if name in ("extend", "update"):
        sized(obj)  # grew by at most the size of a bounded argument: checked after
    return result


SAFE_BUILTINS: dict[str, Any] = {
    name: getattr(builtins, name) for name in ("abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float",
                 "frozenset", "int", "isinstance", "len", "list", "map", "max", "min", "reversed",
                 "round", "set", "sorted", "str", "sum", "tuple", "zip")
}
# str and int stay the types (isinstance, str.join); their calls go through __g_str, __g_int
SAFE_BUILTINS.update(range=range_, round=round_, sum=sum_)
SAFE_BUILTINS["True"], SAFE_BUILTINS["False"], SAFE_BUILTINS["None"] = True, False, None

GUARDS: dict[str, Any] = {"__g_mul": mul, "__g_pow": pow_, "__g_lshift": lshift, "__g_add": add,
                          "__g_mod": mod, "__g_method": method, "__g_sized": sized,
                          "__g_weigh": weigh, "__g_str": str_, "__g_int": int_}
CALLED_TYPES = {"str": "__g_str", "int": "__g_int"}  # a call of these names is guarded
# the guards are found as builtins: code cannot name them (they begin with __), and task
# data (JSON: no functions) naming one could only break the evaluation, not escape it
SAFE_BUILTINS.update(GUARDS)
GROWING_METHODS = frozenset({"join", "replace", "ljust", "rjust", "center", "zfill", "expandtabs",
                             "translate", "to_bytes", "extend", "update"})
