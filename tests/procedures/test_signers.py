"""Each signer signs with their own key, in their own token slot, under their sole control:
the PIN typed at approval unlocks it, and nothing else can."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from engine.models import OutboxMessage
from handlers.accounts import find_by_email
from handlers.models import RoleGrant, User
from handlers.signatures import approval, enrol
from handlers.signatures.keystore import KeyStore, SigningRefused
from handlers.signatures.models import SignAuthorization, SignedDocument, SignerKey
from signing import demo_pki
from signing.verify import verify
from tests import softhsm
from tests.procedures.conftest import Platform
from tests.procedures.test_signing_step import _to_signature
from tests.signing.tools import missing

PINS = {"president@casablanca.demo": "246810", "president@rabat.demo": "135799", "interim@casablanca.demo": "864202"}


@pytest.fixture(scope="module")
def module() -> str:
    found = softhsm.module()
    if found is None:
        missing("SoftHSM2 is not installed (Debian package softhsm2)")
    assert found is not None
    return found


@pytest.fixture
def keyed(platform: Platform, demo_pki: Any, module: str, tmp_path: Path) -> Iterator[Platform]:
    """The platform with a key store on SoftHSM2 (one token per signer), no installation key,
    and the presidents of Casablanca and Rabat enrolled through the demo CA."""
    ca = demo_pki_ca(demo_pki)
    authorization_key = bytes(range(32))
    store = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: authorization_key,
                     pkcs11_module=module, demo_ca=lambda: ca)
    p = platform
    p.ports.keystore = store
    p.ports.signer = lambda: None  # sole control: no key signs for everyone
    with_seals(p, tmp_path)  # the minutes: sealed by each commune
    for email, commune in (("president@casablanca.demo", "casablanca"), ("president@rabat.demo", "rabat")):
        enrol_in_token(p, email, commune)
    yield p


def with_seals(p: Platform, directory: Path) -> None:
    """The communes' e-seals (demo CA): with no installation key, they sign the minutes."""
    from handlers.signatures import demo as signature_demo
    p.ports.keystore.seal_secrets = directory / "seals"
    assert signature_demo.seals(p.engine, p.ports, p.clock()) == ["casablanca", "rabat"]


def demo_pki_ca(pki: Any) -> demo_pki.Issued:
    return demo_pki.load_ca(pki, "demo-pass")


def enrol_in_token(p: Platform, email: str, commune: str) -> int:
    import secrets
    label = f"t-{secrets.token_hex(4)}"
    softhsm.init_token(label, PINS[email])
    store = p.ports.keystore
    with p.engine.transaction() as s:
        user = find_by_email(s, email)
        assert user is not None
        key = enrol.request(s, store, commune_code=commune, purpose="president", user_id=user.id,
                            secret=PINS[email], now=p.clock(), token_label=label)
        enrol.issue_with_demo_ca(s, store, key.id, store.demo_ca)
        enrol.install(s, store, key.id, PINS[email], p.clock())
        return key.id


def approve(p: Platform, d: int, email: str, pin: str | None) -> None:
    [task] = [t for t in p.tasks(d) if t.bpmn_id == "sg_approve"]
    approval.complete(p.engine, p.ports, p.actor(email), task.id, {"approve": True}, pin=pin)


def signed_record(p: Platform, d: int) -> SignedDocument:
    with p.sessions() as s:
        return s.scalars(select(SignedDocument).where(SignedDocument.dossier_id == d,
                                                      SignedDocument.kind == "decision")).one()


def test_two_communes_are_signed_by_their_own_presidents_certificates(keyed: Platform, demo_pki: Any) -> None:
    p = keyed
    casa = _to_signature(p)
    approve(p, casa, "president@casablanca.demo", PINS["president@casablanca.demo"])
    rabat = file_to_signature_in(p, "rabat")
    approve(p, rabat, "president@rabat.demo", PINS["president@rabat.demo"])
    roots = [demo_pki.ca_certificate.read_bytes()]
    results = {}
    for d in (casa, rabat):
        decision = p.decision(d)
        assert decision is not None and decision.signed
        results[d] = verify(p.ports.files.get(decision.pdf_sha256 or ""), roots)
        assert results[d].valid and results[d].level == "B-B"
    assert results[casa].signer_common_name == "Abdelkrim Fassi (Casablanca)"
    assert results[rabat].signer_common_name == "Amina Lahlou (Rabat)"
    with p.sessions() as s:
        records = {d: s.scalars(select(SignedDocument).where(SignedDocument.dossier_id == d,
                                                             SignedDocument.kind == "decision")).one()
                   for d in (casa, rabat)}
        keys = {d: s.get_one(SignerKey, records[d].signer_key_id) for d in (casa, rabat)}
    assert keys[casa].serial != keys[rabat].serial and keys[casa].backend == keys[rabat].backend == "pkcs11"
    assert records[casa].delegated_by is None and records[casa].user_id == p.actor("president@casablanca.demo").user_id
    with p.sessions() as s:  # the PIN is nowhere in the database: not in the task data, the outbox
        from engine.models import HumanTask, ProcessInstance
        dumps = [str(row) for row in s.scalars(select(ProcessInstance.state))]
        dumps += [str(t.__dict__) for t in s.scalars(select(HumanTask))]
        dumps += [str(m.__dict__) for m in s.scalars(select(OutboxMessage))]
    assert dumps and not any(PINS["president@casablanca.demo"] in text for text in dumps)


def file_to_signature_in(p: Platform, commune: str) -> int:
    from tests.procedures.test_guu import AGENT, CITIZEN, FAV, SMALL
    d = p.file(CITIZEN, "permis_construire", SMALL, commune=commune)
    p.do(d, "rc_check", {"complete": True}, AGENT.replace("casablanca", commune))
    p.opinions(d, {"agence_urbaine": FAV, "urbanisme": FAV}, commune=commune)
    p.pay(d, AGENT.replace("casablanca", commune))
    return d


def test_an_interim_signs_with_their_own_key_and_the_delegation_is_recorded(keyed: Platform, demo_pki: Any) -> None:
    p = keyed
    today = p.clock().date()
    with p.engine.transaction() as s:
        titular = find_by_email(s, "president@casablanca.demo")
        assert titular is not None
        interim = User(id="interim-casa", email="interim@casablanca.demo", full_name="Nadia Berrada (intérim)",
                       password_hash="-", created_at=p.clock())
        s.add(interim)
        s.flush()
        s.add(RoleGrant(user_id=interim.id, role="president", commune_code="casablanca", valid_from=today,
                        valid_until=today + timedelta(days=10), delegated_by=titular.id))
        titular_id = titular.id
    enrol_in_token(p, "interim@casablanca.demo", "casablanca")
    d = _to_signature(p)
    approve(p, d, "interim@casablanca.demo", PINS["interim@casablanca.demo"])
    record = signed_record(p, d)
    assert record.user_id == "interim-casa" and record.delegated_by == titular_id and record.grant_id is not None
    decision = p.decision(d)
    assert decision is not None
    result = verify(p.ports.files.get(decision.pdf_sha256 or ""), [demo_pki.ca_certificate.read_bytes()])
    assert result.valid and result.signer_common_name == "Nadia Berrada (intérim)"

    # the delegation over, the interim's key signs nothing for the commune
    p.clock.advance(days=11)
    later = _to_signature(p)
    with pytest.raises(SigningRefused, match="president's role"):
        approve(p, later, "interim@casablanca.demo", PINS["interim@casablanca.demo"])
    assert date.today  # (the titular president still signs: covered by the first test)


def test_without_the_pin_nothing_is_signed(keyed: Platform) -> None:
    p = keyed
    d = _to_signature(p)
    with pytest.raises(SigningRefused, match="PIN"):
        approve(p, d, "president@casablanca.demo", None)
    with pytest.raises(SigningRefused, match="did not open"):
        approve(p, d, "president@casablanca.demo", "000000")
    assert p.statuses(d)[-1] == "signature" and not p.decision(d).signed  # type: ignore[union-attr]
    with p.sessions() as s:
        assert s.scalar(select(SignAuthorization.id)) is None


def test_an_administrator_with_the_database_and_the_broker_cannot_sign(keyed: Platform) -> None:
    """Completing the approval in the database and running the job (what broker access gives)
    signs nothing: there is no authorization, a forged one does not open, an old one is bound
    to another document and used."""
    p = keyed
    d = _to_signature(p)
    president = p.actor("president@casablanca.demo")
    # the administrator completes the task as the president, straight through the engine
    [task] = [t for t in p.tasks(d) if t.bpmn_id == "sg_approve"]
    p.engine.complete(task.id, {"approve": True}, president)
    with p.sessions() as s:
        [job] = s.scalars(select(OutboxMessage).where(OutboxMessage.operator == "decision.sign",
                                                      OutboxMessage.status == "pending"))
    assert "no signing authorization" in (job.last_error or "")
    assert not p.decision(d).signed  # type: ignore[union-attr]

    # a forged authorization (any PIN, sealed with a key of their own) does not open
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    decision = p.decision(d)
    assert decision is not None and decision.pdf_sha256
    with p.engine.transaction() as s:
        key = s.scalars(select(SignerKey).where(SignerKey.user_id == president.user_id)).one()
        s.add(SignAuthorization(id="ab" * 16, dossier_id=d, document_sha256=decision.pdf_sha256, signer_key_id=key.id,
                                user_id=president.user_id, expires_at=p.clock() + timedelta(minutes=5),
                                sealed=AESGCM(bytes(32)).encrypt(bytes(12), PINS["president@casablanca.demo"].encode(), b"")))
    assert p.engine.drain_outbox() == 1
    with p.sessions() as s:
        job = s.get_one(OutboxMessage, job.id)
    assert "does not open" in (job.last_error or "") and not p.decision(d).signed  # type: ignore[union-attr]

    # a genuine authorization, used once, cannot be replayed for another document
    other = _to_signature(p)
    approve(p, other, "president@casablanca.demo", PINS["president@casablanca.demo"])
    assert p.decision(other).signed  # type: ignore[union-attr]
    with p.engine.transaction() as s:
        s.execute(update(SignAuthorization).where(SignAuthorization.dossier_id == other).values(
            used_at=None, dossier_id=d, document_sha256=decision.pdf_sha256))
    p.engine.drain_outbox()
    with p.sessions() as s:
        job = s.get_one(OutboxMessage, job.id)
    assert "does not open" in (job.last_error or "") and not p.decision(d).signed  # type: ignore[union-attr]


def test_keys_in_encrypted_pkcs12_files_work_the_same(platform: Platform, demo_pki: Any, tmp_path: Path) -> None:
    p = platform
    ca = demo_pki_ca(demo_pki)
    store = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(32), demo_ca=lambda: ca)
    p.ports.keystore, p.ports.signer = store, (lambda: None)
    with_seals(p, tmp_path)
    with p.engine.transaction() as s:
        user = find_by_email(s, "president@casablanca.demo")
        assert user is not None
        key = enrol.request(s, store, commune_code="casablanca", purpose="president", user_id=user.id,
                            secret="p12-secret", now=p.clock())
        enrol.issue_with_demo_ca(s, store, key.id, store.demo_ca)
        enrol.install(s, store, key.id, "p12-secret", p.clock())
        path = Path(key.pkcs12_path or "")
    assert path.stat().st_mode & 0o077 == 0 and b"PRIVATE KEY" not in path.read_bytes()
    d = _to_signature(p)
    with pytest.raises(SigningRefused, match="did not open"):
        approve(p, d, "president@casablanca.demo", "wrong-secret")
    approve(p, d, "president@casablanca.demo", "p12-secret")
    decision = p.decision(d)
    assert decision is not None and decision.signed
    assert verify(p.ports.files.get(decision.pdf_sha256 or ""), [demo_pki.ca_certificate.read_bytes()]).valid


def test_refresh_renews_the_archive_time_stamps_of_signed_documents(platform: Platform, demo_pki: Any,
                                                                    tmp_path: Path) -> None:
    from cryptography.x509.oid import ExtendedKeyUsageOID

    from handlers.signatures import archives
    from tests.signing.servers import Tsa

    root = demo_pki_module().issue(demo_pki_module().name("DEMO TSA root"), ca=True, key=demo_pki_module().new_key(2048))
    tsa = Tsa(tmp_path / "tsa", demo_pki_module().issue(
        demo_pki_module().name("DEMO TSA"), issuer=root, key=demo_pki_module().new_key(2048),
        extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING]), [root.certificate])
    try:
        p = platform
        ca = demo_pki_ca(demo_pki)
        root_pem = demo_pki_module().pem(root.certificate)
        store = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(32), demo_ca=lambda: ca,
                         tsa_url=tsa.url, level="B-LTA", trust=lambda: [root_pem],
                         crls=lambda: [demo_pki_module().crl(ca)])
        p.ports.keystore, p.ports.signer = store, (lambda: None)
        with_seals(p, tmp_path)
        p.ports.trust_roots = lambda: [demo_pki.ca_certificate.read_bytes()]
        with p.engine.transaction() as s:
            user = find_by_email(s, "president@casablanca.demo")
            assert user is not None
            key = enrol.request(s, store, commune_code="casablanca", purpose="president", user_id=user.id,
                                secret="p12-secret", now=p.clock())
            enrol.issue_with_demo_ca(s, store, key.id, store.demo_ca)
            enrol.install(s, store, key.id, "p12-secret", p.clock())
        d = _to_signature(p)
        approve(p, d, "president@casablanca.demo", "p12-secret")
        before = p.decision(d)
        assert before is not None and before.signed
        roots = [demo_pki.ca_certificate.read_bytes(), root_pem]
        assert verify(p.ports.files.get(before.pdf_sha256 or ""), roots).level == "B-LTA"
        # the TSA certificate lasts three years: nothing to do with the default margin
        current = archives.refresh_all(p.engine, p.ports, p.clock(), timedelta(days=180))
        assert {r.outcome for r in current} == {"current"} and before.verification_code in {r.code for r in current}
        report = archives.refresh_all(p.engine, p.ports, p.clock(), timedelta(days=5 * 365))
        assert {r.code: r.outcome for r in report}[before.verification_code] == "renewed"
        assert {r.outcome for r in report} == {"renewed"}  # the sealed receipt and minutes alike
        after = p.decision(d)
        assert after is not None and after.pdf_sha256 != before.pdf_sha256
        renewed = p.ports.files.get(after.pdf_sha256 or "")
        assert renewed.startswith(p.ports.files.get(before.pdf_sha256 or ""))
        result = verify(renewed, roots)
        assert result.valid and result.level == "B-LTA"
        assert signed_record(p, d).pdf_sha256 == after.pdf_sha256
    finally:
        tsa.stop()


def demo_pki_module() -> Any:
    return demo_pki


def test_a_revoked_certificate_is_refused_at_approval_and_expiry_is_announced(platform: Platform, demo_pki: Any,
                                                                               tmp_path: Path) -> None:
    from datetime import UTC, datetime
    p = platform
    ca = demo_pki_ca(demo_pki)
    revoked: dict[int, datetime] = {}
    store = KeyStore(keys_dir=tmp_path / "keys", authorization_key=lambda: bytes(32), demo_ca=lambda: ca,
                     crls=lambda: [demo_pki_module().crl(ca, revoked)])
    p.ports.keystore, p.ports.signer = store, (lambda: None)
    with_seals(p, tmp_path)
    with p.engine.transaction() as s:
        user = find_by_email(s, "president@casablanca.demo")
        assert user is not None
        key = enrol.request(s, store, commune_code="casablanca", purpose="president", user_id=user.id,
                            secret="p12-secret", now=p.clock())
        enrol.issue_with_demo_ca(s, store, key.id, store.demo_ca)
        enrol.install(s, store, key.id, "p12-secret", p.clock())
        serial, not_after = int(key.serial or "0", 16), key.not_after
    assert not_after is not None
    with p.sessions() as s:
        assert enrol.expiring(s, p.clock()) == []
        assert [k.id for k in enrol.expiring(s, not_after - timedelta(days=29)) if k.purpose == "president"] == [key.id]
    revoked[serial] = datetime.now(UTC) - timedelta(minutes=5)
    d = _to_signature(p)
    with pytest.raises(SigningRefused, match="revoked"):
        approve(p, d, "president@casablanca.demo", "p12-secret")
    with p.engine.transaction() as s:
        enrol.revoke(s, key.id, p.clock())
    with pytest.raises(SigningRefused) as refused:
        approve(p, d, "president@casablanca.demo", "p12-secret")
    assert refused.value.code == "key_inactive"
