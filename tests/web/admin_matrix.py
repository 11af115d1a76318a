"""The administration's routes, for the platform-wide authorization matrix
(:mod:`tests.web.test_authz_matrix`): only the national administrator ("admin") gets
through; ids that do not exist are refused to everyone (``set()``). The commune
administrators' own matrix is :mod:`tests.web.test_admin_matrix`."""
from __future__ import annotations

from typing import Any

A = {"admin"}
NOBODY: set[str] = set()
CSV = "csv"  # a small CSV upload (dry run)

ADMIN_ROWS: list[tuple[str, str, str, set[str], Any]] = [
    ("GET", "/admin/", "/admin/", A, None),
    ("POST", "/admin/communes", "/admin/communes", A, {}),
    ("GET", "/admin/communes/<code>", "/admin/communes/casablanca", A, None),
    ("POST", "/admin/communes/<code>", "/admin/communes/casablanca", A, {}),
    ("POST", "/admin/communes/<code>/logo", "/admin/communes/casablanca/logo", A, {}),
    ("GET", "/admin/communes/<code>/import", "/admin/communes/rabat/import", A, None),
    ("POST", "/admin/communes/<code>/import", "/admin/communes/rabat/import", A, {}),
    ("GET", "/admin/audit", "/admin/audit", A, None),
    ("GET", "/admin/problems", "/admin/problems", A, None),
    ("POST", "/admin/problems/<task_id>/reassign", "/admin/problems/{T}/reassign", A, {"user": ""}),
    ("POST", "/admin/communes/<code>/people", "/admin/communes/casablanca/people", A, {}),
    ("GET", "/admin/people/<user_id>", "/admin/people/nobody", NOBODY, None),
    ("POST", "/admin/people/<user_id>/deactivate", "/admin/people/nobody/deactivate", NOBODY, {}),
    ("POST", "/admin/people/<user_id>/activate", "/admin/people/nobody/activate", NOBODY, {}),
    ("POST", "/admin/people/<user_id>/reset", "/admin/people/nobody/reset", NOBODY, {}),
    ("POST", "/admin/people/<user_id>/grants", "/admin/people/nobody/grants", NOBODY, {"role": "guichet_agent"}),
    ("POST", "/admin/grants/<int:grant_id>/remove", "/admin/grants/999999/remove", NOBODY, {}),
    ("GET", "/admin/organisms", "/admin/organisms", A, None),
    ("POST", "/admin/organisms", "/admin/organisms", A, {}),
    ("GET", "/admin/organisms/<code>", "/admin/organisms/agence_urbaine", A, None),
    ("POST", "/admin/organisms/<code>", "/admin/organisms/agence_urbaine", A, {}),
    ("POST", "/admin/communes/<code>/commissions", "/admin/communes/casablanca/commissions", A, {}),
    ("GET", "/admin/commissions/<int:commission_id>", "/admin/commissions/999999", NOBODY, None),
    ("POST", "/admin/commissions/<int:commission_id>/seats", "/admin/commissions/999999/seats", NOBODY, {}),
    ("POST", "/admin/seats/<int:member_id>/end", "/admin/seats/999999/end", NOBODY, {}),
    ("GET", "/api/v1/admin/communes", "/api/v1/admin/communes", A, None),
    ("POST", "/api/v1/admin/communes", "/api/v1/admin/communes", A, {"code": "x", "name_fr": "", "name_ar": ""}),
    ("PATCH", "/api/v1/admin/communes/<code>", "/api/v1/admin/communes/casablanca", A,
     {"name_fr": "", "name_ar": ""}),
    ("GET", "/api/v1/admin/communes/<code>/people", "/api/v1/admin/communes/casablanca/people", A, None),
    ("POST", "/api/v1/admin/communes/<code>/people", "/api/v1/admin/communes/casablanca/people", A,
     {"email": "bad", "full_name": "x", "role": "guichet_agent"}),
    ("POST", "/api/v1/admin/people/<user_id>/<any(deactivate, activate, reset):action>",
     "/api/v1/admin/people/nobody/reset", NOBODY, None),
    ("POST", "/api/v1/admin/people/<user_id>/grants", "/api/v1/admin/people/nobody/grants", NOBODY,
     {"role": "guichet_agent"}),
    ("DELETE", "/api/v1/admin/grants/<int:grant_id>", "/api/v1/admin/grants/999999", NOBODY, None),
    ("GET", "/api/v1/admin/organisms", "/api/v1/admin/organisms", A, None),
    ("POST", "/api/v1/admin/organisms", "/api/v1/admin/organisms", A,
     {"code": "x", "kind": "x", "name_fr": "", "name_ar": ""}),
    ("GET", "/api/v1/admin/communes/<code>/commissions", "/api/v1/admin/communes/rabat/commissions", A, None),
    ("POST", "/api/v1/admin/communes/<code>/commissions", "/api/v1/admin/communes/rabat/commissions", A,
     {"kind": "", "name_fr": "", "name_ar": ""}),
    ("POST", "/api/v1/admin/commissions/<int:commission_id>/seats", "/api/v1/admin/commissions/999999/seats",
     NOBODY, {"email": "x@y.ma", "organism": "regie"}),
    ("POST", "/api/v1/admin/seats/<int:member_id>/end", "/api/v1/admin/seats/999999/end", NOBODY, {}),
    ("POST", "/api/v1/admin/communes/<code>/import", "/api/v1/admin/communes/rabat/import", A, CSV),
    ("GET", "/api/v1/admin/audit", "/api/v1/admin/audit", A, None),
    ("GET", "/api/v1/admin/problems", "/api/v1/admin/problems", A, None),
    ("POST", "/api/v1/admin/problems/<task_id>/reassign", "/api/v1/admin/problems/{T}/reassign", A,
     {"user": ""}),
]
