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
