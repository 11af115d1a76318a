"""Who signed a decision, under which grant: the titular president, or an interim by
delegation (of whom, from when to when) — on the applicant's dossier page, the public verify
page (French and Arabic, names and dates isolated) and the API."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.signatures import enrol
from tests.web import test_portal as portal
from tests.web.conftest import Site
from tests.web.test_portal import CITIZEN
from tests.web.test_signers_web import keyed_site, site_now  # noqa: F401 - the fixture

PIN = "8642097"


def _enrol(site: Site, email: str, pin: str) -> None:
    from handlers.accounts import find_by_email
    from web.bootstrap import get_engine
    ports = site.app.extensions["guichet.ports"]
    with site.app.app_context(), get_engine(site.app).transaction() as s:
        user = find_by_email(s, email)
        assert user is not None
        key = enrol.request(s, ports.keystore, commune_code="casablanca", purpose="president", user_id=user.id,
                            secret=pin, now=site_now())
        enrol.issue_with_demo_ca(s, ports.keystore, key.id, ports.keystore.demo_ca)
        enrol.install(s, ports.keystore, key.id, pin, site_now())


def _signed_by(site: Site, email: str, pin: str) -> tuple[int, str]:
    """Run the journey to the signature, sign as ``email``; the dossier and its verification code."""
    site.app.extensions["guichet.ports"].signer = lambda: None  # own keys only
    with pytest.raises(AssertionError):  # the journey's president has no key: the approval is refused
        portal.test_whole_journey_through_pages(site)
    signer = site.client(email)
    task = re.search(r'/tasks/([0-9a-f-]{36})', signer.get("/inbox").get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert signer.post(f"/tasks/{task}", data={"approve": "on", "signing_pin": pin}).status_code == 302
    citizen = site.client(CITIZEN)
    dossier_id = int(re.search(r"/dossiers/(\d+)", citizen.get("/dossiers/").get_data(as_text=True)).group(1))  # type: ignore[union-attr]
    api = site.app.test_client().get(f"/api/v1/dossiers/{dossier_id}", headers=site.token(CITIZEN)).json
    return dossier_id, api["decision"]["verification_code"]


def test_an_interims_signature_names_the_delegation(keyed_site: Site) -> None:  # noqa: F811
    from handlers.accounts import find_by_email
    from handlers.models import RoleGrant, User
    from web.bootstrap import get_engine
    site = keyed_site
    today = site_now().date()
    start, end = today - timedelta(days=2), today + timedelta(days=12)
    with site.app.app_context(), get_engine(site.app).transaction() as s:
        titular = find_by_email(s, "president@casablanca.demo")
        assert titular is not None
        s.add(User(id="interim-casa", email="interim@casablanca.demo", full_name="Nadia Berrada",
                   password_hash=titular.password_hash, created_at=site_now()))
        s.flush()
        s.add(RoleGrant(user_id="interim-casa", role="president", commune_code="casablanca", valid_from=start,
                        valid_until=end, delegated_by=titular.id))
        titular_name = titular.full_name
    _enrol(site, "interim@casablanca.demo", PIN)
    dossier_id, code = _signed_by(site, "interim@casablanca.demo", PIN)
    dates = (f"<bdi>{start:%d/%m/%Y}</bdi>", f"<bdi>{end:%d/%m/%Y}</bdi>")
    citizen = site.client(CITIZEN)
    page = citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert (f"Signée par <bdi>Nadia Berrada</bdi>, président par intérim, par délégation de <bdi>{titular_name}</bdi> "
            f"du {dates[0]} au {dates[1]}.") in page
    api = site.app.test_client().get(f"/api/v1/dossiers/{dossier_id}", headers=site.token(CITIZEN)).json
    assert api["decision"]["signed_by"] == {
        "signer": "Nadia Berrada", "capacity": "interim", "delegated_by": titular_name,
        "delegation_from": start.isoformat(), "delegation_until": end.isoformat(),
        "signed_at": api["decision"]["signed_by"]["signed_at"]}
    anon = site.client()
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert "par délégation de <bdi>" + titular_name in page and dates[0] in page
    public = anon.get(f"/api/v1/verify/{code}").json
    assert public["signed_by"]["capacity"] == "interim" and public["signed_by"]["delegated_by"] == titular_name
    anon.get("/lang/ar")
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert f"وقعه <bdi>Nadia Berrada</bdi> رئيسا بالنيابة، بتفويض من <bdi>{titular_name}</bdi>" in page
    assert f"من {dates[0]} إلى {dates[1]}" in page
    citizen.get("/lang/ar")
    assert "بتفويض من <bdi>" in citizen.get(f"/dossiers/{dossier_id}").get_data(as_text=True)


def test_the_titular_presidents_signature_says_so(keyed_site: Site) -> None:  # noqa: F811
    site = keyed_site
    _enrol(site, "president@casablanca.demo", PIN)
    dossier_id, code = _signed_by(site, "president@casablanca.demo", PIN)
    page = site.client(CITIZEN).get(f"/dossiers/{dossier_id}").get_data(as_text=True)
    assert re.search(r"Signée par <bdi>[^<]+</bdi>, président de la commune \(titulaire\)\.", page)
    assert "par délégation" not in page
    anon = site.client()
    anon.get("/lang/ar")
    page = anon.get(f"/verify/{code}").get_data(as_text=True)
    assert re.search(r"وقعه <bdi>[^<]+</bdi> رئيس المجلس الجماعي \(الرئيس الأصلي\)", page)
    public = anon.get(f"/api/v1/verify/{code}").json
    assert public["signed_by"]["capacity"] == "titular" and public["signed_by"]["delegated_by"] is None
