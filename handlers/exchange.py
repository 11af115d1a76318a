"""What the guichet and the applicant have exchanged on a dossier, read once for a page or an
API answer: the document requests (history), the documents open to upload now, the fees."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from .completeness.views import RequestView, requests_of
from .payments.views import FeesView, fees_of
from .ports import Ports
from .queries import DossierView


@dataclass(frozen=True)
class Exchange:
    requests: list[RequestView]  # newest first
    upload_kinds: list[str] | None  # None: any checklist document; []: none now
    fees: FeesView

    @property
    def open_request(self) -> RequestView | None:
        return next((r for r in self.requests if r.open), None)


def exchange_of(session: Session, ports: Ports, view: DossierView) -> Exchange:
    d = view.dossier
    catalog = ports.catalog(session, d.catalog_id)
    requests = requests_of(session, catalog, d, view.documents)
    # the same rule as handlers.completeness.window.open_kinds, from what the view already read
    kinds: list[str] | None
    if d.instance_id is None and d.status == "draft":
        kinds = None
    else:
        asked = next((r for r in requests if r.open), None)
        waiting = any(t.assignee == d.applicant_id for t in view.open_steps)
        kinds = [i.document for i in asked.items] if asked is not None and waiting else []
    return Exchange(requests, kinds, fees_of(session, d.id, view.fees))
