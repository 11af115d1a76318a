"""Small steps the browser tests share."""
from __future__ import annotations

from typing import Any


def sign_in(page: Any, email: str, password: str) -> None:
    """Signs ``page``'s context in as ``email`` through the real login form."""
    page.goto("/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, f"{email} could not sign in: {page.content()[:400]}"


def page_errors(page: Any) -> list[str]:
    """Collect the page's script errors and console errors as they happen. Inline style
    attributes in bpmn.io markup are refused by our CSP and restated in studio.css: those
    console messages are expected; any other fails the tests that check the list."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Applying inline style violates") else None)
    return errors
