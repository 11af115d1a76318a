"""Guichet's workflow runtime on SpiffWorkflow. Knows nothing of permits.

Public API: :class:`Engine` (start, complete, run_service_task, wake_due_timers),
:func:`compile_sources` (validation), :mod:`definitions` (deploy), :mod:`audit` (verify),
the :class:`HandlerRegistry` it is given, the :class:`Actor` who acts, and the errors.
"""
from . import clock as _clock  # noqa: F401 - installs the injectable clock for Spiff's timers
from . import db as _db  # noqa: F401 - connection settings (SQLite pragmas)
from .actor import Actor
from .compiler import Compilation, CompiledProcess, Rules, compile_sources
from .errors import (
                     Busy,
                     Conflict,
                     EngineError,
                     Forbidden,
                     HandlerFailed,
                     InvalidDefinition,
                     InvalidTaskData,
                     NotFound,
                     Problem,
                     StepFailed,
                     Unavailable,
)
from .models import Base
from .registry import HandlerRegistry, HandlerSpec, ServiceCall
from .runtime import Engine

__all__ = [
    "Actor", "Base", "Busy", "Compilation", "CompiledProcess", "Conflict", "Engine", "EngineError",
    "Forbidden", "HandlerFailed", "HandlerRegistry", "HandlerSpec", "InvalidDefinition",
    "InvalidTaskData", "NotFound", "Problem", "Rules", "ServiceCall", "StepFailed", "Unavailable",
    "compile_sources",
]
