"""Import endesive's PDF signer on systems with OpenSSL >= 3.0.10.

The trap
--------
``endesive.pdf`` imports its verifier eagerly (``endesive/pdf/__init__.py`` imports
``.verify``); the verifier imports the 2016 ``certvalidator``, which imports ``oscrypto``.
oscrypto 1.3.0 — still the newest release on PyPI — reads the OpenSSL version with the
regular expression ``\\d\\.\\d\\.\\d``, which cannot match "3.0.10" or any later two-digit
release (Debian 12 ships 3.0.1x), and raises ``LibraryNotFoundError: Error detecting the
version of libcrypto`` *at import time* (wbond/oscrypto issues #75, #78). Upstream fixed it
in commit d5f3437 ("Make OpenSSL version regexes more robust": ``\\d`` → ``\\d+`` in three
expressions) but has not released it.

What does not work
------------------
* oscrypto's documented ``use_openssl(libcrypto_path, libssl_path)`` only chooses *which*
  library is loaded: the version string is still read from it and parsed by the same
  expression, and fails the same way (checked here with Debian's OpenSSL 3.0.x).
* A newer oscrypto: there is none on PyPI; forks published under other names install over
  the ``oscrypto`` package (unreviewed code in the signing path); a git dependency cannot
  be installed offline.
* ``importlib.util.LazyLoader`` on ``certvalidator``: on Python 3.11 every later
  ``import certvalidator`` statement touches ``__spec__`` and loads it anyway.

What we do
----------
Apply exactly upstream's d5f3437 when oscrypto's two libcrypto binding modules are first
imported: a meta-path finder hands them to a loader that compiles their source with the
three corrected expressions. It is narrow and self-disabling — it acts only on those two
modules, only if each expected 1.3.0 expression is present (a fixed release leaves it
idle), writes no bytecode (the installed files and their ``.pyc`` stay untouched), and is
on ``sys.meta_path`` only while :func:`load` imports endesive. Nothing we call needs oscrypto (we sign through
``cryptography``/``asn1crypto`` and verify with pyHanko); the fix only lets endesive import,
and leaves its verifier working should anyone call it. Drop this module when oscrypto > 1.3.0
is on PyPI.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Sequence
from types import CodeType, ModuleType

TARGETS = frozenset({"oscrypto._openssl._libcrypto_cffi", "oscrypto._openssl._libcrypto_ctypes"})
# (oscrypto 1.3.0, upstream d5f3437), as they are written in the source files.
UPSTREAM_FIX = (
    (r"'\\b(\\d\\.\\d\\.\\d[a-z]*)\\b'", r"'\\b(\\d+\\.\\d+\\.\\d+[a-z]*)\\b'"),
    (r"'(?<=LibreSSL )(\\d\\.\\d(\\.\\d)?)\\b'", r"'(?<=LibreSSL )(\\d+\\.\\d+(\\.\\d+)?)\\b'"),
    (r"'(\\d)([a-z]+)'", r"'(\\d+)([a-z]+)'"),
)


class _FixedSourceLoader(importlib.machinery.SourceFileLoader):
    """Compiles the module with upstream's corrected version expressions, caching nothing."""

    def get_code(self, fullname: str) -> CodeType:
        """The module's code, from its source with upstream's three expressions."""
        source = self.get_data(self.path).decode("utf-8")
        if all(old in source for old, _ in UPSTREAM_FIX):
            for old, new in UPSTREAM_FIX:
                source = source.replace(old, new)
        return compile(source, self.path, "exec", dont_inherit=True)


class _OscryptoVersionFix(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        """The normal spec of oscrypto's two libcrypto bindings, with the fixing loader."""
        if fullname not in TARGETS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec  # installed without sources: leave it to the normal import
        spec.loader = _FixedSourceLoader(fullname, spec.loader.path)
        return spec


_finder = _OscryptoVersionFix()
_lock = threading.Lock()


def load() -> ModuleType:
    """Return ``endesive.pdf.cms`` (the PDF signing module), importing it once."""
    with _lock:
        sys.meta_path.insert(0, _finder)
        try:
            from endesive.pdf import cms
        finally:
            sys.meta_path.remove(_finder)
    return cms
