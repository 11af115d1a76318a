"""Hostile input refused before any route runs: size, depth and characters.

- a body over the limit — declared or sent chunked — is a 413 that states the limit
  (``MAX_CONTENT_LENGTH``; JSON bodies ``GUICHET_MAX_JSON_BYTES``);
- JSON nested deeper than ``GUICHET_MAX_JSON_DEPTH`` is a 400, found by a scan that never
  recurses (Python's parser would hit its recursion limit: a 500);
- NUL, other control characters (tab, line feed and carriage return excepted) and unpaired
  surrogates in any string — JSON keys and values, form fields, query — are a 422 naming
  where: nothing is written that a database or a PDF could not take back.
"""
from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from .faults import app_page

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_DEPTH = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[{]}"))
_STEP = {1: 1, 2: -1}
# what a JSON body must hold for one of its strings to carry a forbidden character: the raw
# character (a surrogate as UTF-8 is ED A0..BF), a \b or \f escape, or a \u escape of one
_MAYBE_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xed[\xa0-\xbf]|\\[bf]"
                              rb"|\\u00[01][0-9a-fA-F]|\\u007[fF]|\\u[dD][89a-fA-F]")


def forbidden(text: str) -> bool:
    """Whether ``text`` holds a character no field may carry."""
    return _FORBIDDEN.search(text) is not None


def json_depth(body: bytes) -> int:
    """How deeply ``body``'s arrays and objects nest, without parsing (nor recursing)."""
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS).translate(_DEPTH)
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def bad_strings(value: Any, path: str = "") -> Iterator[str]:
    """The paths of every string (key or value) in parsed JSON that holds a forbidden character."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if forbidden(item):
                yield where or "."
        elif isinstance(item, dict):
            for key, sub in item.items():
                stack.append((f"{where}.{key}" if not forbidden(key) else f"{where}.?", sub))
                if forbidden(key):
                    yield f"{where}.?"
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", sub) for i, sub in enumerate(item))


def _where_bad() -> tuple[int, str, list[str]] | None:
    """(status, message, places) of what is wrong with this request's input, if anything."""
    if TOO_LARGE in request.environ:
        raise RequestEntityTooLarge()
    if "\x00" in request.path:
        return 404, _("Caractère interdit (NUL) dans la requête."), ["path"]
    args = [k for k, v in request.args.items(multi=True) if forbidden(k) or forbidden(v)]
    if args:
        return 422, _characters_message(), [f"query.{k}" for k in args]
    if request.is_json:
        return _json_problem()
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = [k for k, v in request.form.items(multi=True) if forbidden(k) or forbidden(v)]
        if fields:
            return 422, _characters_message(), [f"form.{k}" for k in fields]
    return None


def _json_problem() -> tuple[int, str, list[str]] | None:
    request.max_content_length = int(current_app.config["GUICHET_MAX_JSON_BYTES"])
    body = request.get_data(cache=True)  # over the limit: RequestEntityTooLarge, even chunked
    limit = int(current_app.config["GUICHET_MAX_JSON_DEPTH"])
    if json_depth(body) > limit:
        return 400, _("Le document JSON est imbriqué trop profondément (%(limit)s niveaux au plus).",
                      limit=limit), ["json"]
    if _MAYBE_FORBIDDEN.search(body) is None:
        return None  # no string of it can hold a forbidden character: no need to parse it here
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return None  # malformed: the route's parser answers 400 in its own words
    places = list(bad_strings(parsed, "json"))
    return (422, _characters_message(), places) if places else None


def _characters_message() -> str:
    return _("Caractère interdit dans la requête : les caractères de contrôle (sauf tabulation et retour à "
             "la ligne) et les caractères Unicode incomplets (demi-paires de substitution) sont refusés.")


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return _("%(n)s Mo", n=limit // (1024 * 1024))
    return _("%(n)s Ko", n=max(1, limit // 1024))


TOO_LARGE = "guichet.body_over"  # environ: the limit a chunked body went over


class ChunkedLimit:
    """WSGI middleware: a chunked body (no Content-Length) is read up to the limit that
    applies to it and then handed on as a body of known length, so that every limit check
    downstream works as for a declared length: over the limit, a 413 stating it (reading a
    chunked stream to its end first would take every byte the client cares to send)."""

    def __init__(self, wsgi_app: Any, config: Any):
        self.wsgi_app = wsgi_app
        self.config = config

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("CONTENT_LENGTH") and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            json_body = "json" in environ.get("CONTENT_TYPE", "")
            limit = int(self.config["GUICHET_MAX_JSON_BYTES" if json_body else "MAX_CONTENT_LENGTH"])
            body = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
            size = 0
            while size <= limit:
                data = environ["wsgi.input"].read(min(65536, limit + 1 - size))
                if not data:
                    break
                body.write(data)
                size += len(data)
            body.seek(0)
            environ["wsgi.input"] = body if size <= limit else io.BytesIO()
            environ["CONTENT_LENGTH"] = str(size if size <= limit else 0)
            environ.pop("wsgi.input_terminated", None)
            if size > limit:
                environ[TOO_LARGE] = limit
        return self.wsgi_app(environ, start_response)


def register(app: Flask, wants_json: Callable[[], bool]) -> None:
    app.wsgi_app = ChunkedLimit(app.wsgi_app, app.config)  # type: ignore[method-assign]

    def answer(status: int, message: str, detail: dict[str, Any]) -> Any:
        if wants_json():
            return jsonify(message=message, detail=detail), status
        response = app_page(status, message)
        response.status_code = status
        return response

    def _refuse_bad_input() -> Any:
        problem = _where_bad()
        if problem is None:
            return None
        status, message, places = problem
        return answer(status, message, {"reason": "invalid characters" if status == 422 else "invalid input",
                                        "fields": {p: ["forbidden characters"] for p in places}})
    # first of all (CSRF's check reads the form): nothing looks at input before it is checked
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_bad_input)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc: Exception) -> Any:
        limit = request.environ.get(TOO_LARGE) or request.max_content_length or int(app.config["MAX_CONTENT_LENGTH"])
        return answer(413, _("La requête dépasse la taille maximale acceptée (%(limit)s).", limit=_size(limit)),
                      {"reason": "Request Entity Too Large", "limit_bytes": limit})

    @app.errorhandler(RecursionError)
    def _too_deep(_exc: Exception) -> Any:  # a last line: the scan above should have caught it
        return answer(400, _("Le document JSON est imbriqué trop profondément."), {"reason": "too deep"})
