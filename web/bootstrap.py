"""The composition root: wires the engine to its ports (sessions, handlers, roles, jobs)."""
from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context
from sqlalchemy.orm import Session

from engine import Engine
from engine.outbox import InProcessRunner
from handlers import notify
from handlers.channels import SmsRecorder, SmtpChannel
from handlers.files import FileStore
from handlers.ports import Ports
from handlers.registry import build_registry
from handlers.roles import lane_roles

from .extensions import db, lend_back_idle_connection
from .jobs import CeleryDispatcher


def build_engine(app: Flask) -> Engine:
    # Tests may hand in their own registry, as a worker would register another function
    # under the same operator name; production always uses the domain's registry.
    registry = app.config.get("GUICHET_HANDLER_REGISTRY") or build_registry(app.extensions["guichet.ports"])
    # Each engine transaction gets a session of its own: a request's reads (its scoped
    # session) never share a transaction with a workflow step.
    ports = app.extensions["guichet.ports"]

    def session() -> Session:
        lend_back_idle_connection()
        return Session(db.engine, expire_on_commit=False)

    def reader() -> Session | None:
        """A request's own session for the engine's reads before a step (a refusal from the
        projection then costs one statement on the connection the request already holds)."""
        return db.session() if has_request_context() else None
    engine = Engine(session, registry, lane_roles=lane_roles(),
                    job_handlers={"notification": partial(notify.deliver, ports=ports)},
                    task_listener=partial(notify.task_arrived, ports=ports), reader=reader)
    mode = app.config["GUICHET_JOBS"]
    if mode == "inprocess":
        engine.dispatcher = InProcessRunner(engine.run_outbox_message)
    elif mode == "celery":
        engine.dispatcher = CeleryDispatcher(app)
    else:
        raise ValueError(f"GUICHET_JOBS must be 'inprocess' or 'celery', not {mode!r}")
    return engine


def _channels(app: Flask) -> dict[str, Any]:
    channels: dict[str, Any] = {"sms": SmsRecorder()}
    if app.config["GUICHET_SMTP_HOST"]:
        channels["email"] = SmtpChannel(
            app.config["GUICHET_SMTP_HOST"], int(app.config["GUICHET_SMTP_PORT"]), app.config["GUICHET_SMTP_FROM"],
            app.config["GUICHET_SMTP_USER"], app.config["GUICHET_SMTP_PASSWORD"], app.config["GUICHET_SMTP_STARTTLS"])
    return channels


def build_ports(app: Flask) -> Ports:
    return Ports(channels=_channels(app),
                 files=FileStore(app.config["GUICHET_STORAGE_DIR"]),
                 verify_base_url=app.config["GUICHET_BASE_URL"], signer=_signer_loader(app),
                 trust_roots=_trust_roots(app), audit_key=_audit_key_loader(app),
                 audit_mirror=_audit_mirror(app), timestamper=_timestamper(app), keystore=_keystore(app),
                 professional_trust=_professional_trust(app))


def _professional_trust(app: Flask) -> Callable[[], dict[str, list[bytes]]]:
    """GUICHET_PROFESSIONAL_TRUST: ``profession=path[:path];…`` (e.g. the order of architects' CA)."""
    entries: dict[str, list[Path]] = {}
    for part in app.config["GUICHET_PROFESSIONAL_TRUST"].split(";"):
        if "=" in part:
            profession, paths = part.split("=", 1)
            entries[profession.strip()] = [Path(p) for p in paths.split(":") if p]

    # the demo: the DEMO order of architects' CA (made on first use by the key store) unless configured
    entries.setdefault("architecte", [Path(app.config["GUICHET_SIGNING_P12"]).parent / DEMO_ARCHITECTS_CA])

    def get() -> dict[str, list[bytes]]:
        return {k: [p.read_bytes() for p in v if p.exists()] for k, v in entries.items()}
    return get


DEMO_ARCHITECTS_CA = "demo-architecte-ca.pem"


def _keystore(app: Flask) -> Any:
    """The signers' keys: tokens on GUICHET_PKCS11_MODULE, PKCS#12 files, the seal secrets,
    the authorization key, and the signing options (TSA, PAdES level)."""
    from handlers.signatures.keystore import KeyStore

    tsa = app.config["GUICHET_TSA_URL"]
    key_path = Path(app.config["GUICHET_SIGNING_AUTHORIZATION_KEY"])
    tsa_trust = [Path(p) for p in app.config["GUICHET_TSA_TRUST"].split(":") if p]
    pki = Path(app.config["GUICHET_SIGNING_P12"]).parent

    def authorization_key() -> bytes:
        return bytes.fromhex(key_path.read_text().strip())

    loaded: list[Any] = []

    def demo_ca() -> Any:
        """The demo CA (instance/pki), opened once (its PKCS#12 costs a key derivation)."""
        from signing import demo_pki
        ca, secret = pki / "demo-root-ca.p12", pki / "passphrase"
        if not loaded:
            if not (ca.exists() and secret.exists()):
                return None
            paths = demo_pki.DemoPki(pki, pki / "demo-root-ca.pem", ca, pki / "president.p12", pki / "president.pem")
            loaded.append(demo_pki.load_ca(paths, secret.read_text().strip()))
        return loaded[0]

    orders: dict[str, Any] = {}

    def professional_ca(profession: str) -> Any:
        """The DEMO order of architects' CA, where the demo CA is (made on first use)."""
        from signing import demo_pki
        if profession != "architecte" or demo_ca() is None:
            return None
        if profession not in orders:
            orders[profession] = demo_pki.professional_ca(pki, (pki / "passphrase").read_text().strip(), profession,
                                                          "DEMO Ordre national des architectes — AC")
        return orders[profession]

    crl_files = [Path(p) for p in app.config["GUICHET_SIGNING_CRLS"].split(":") if p]

    def crls() -> list[bytes]:
        if crl_files:
            return [p.read_bytes() for p in crl_files if p.exists()]
        ca = demo_ca()  # the demo CA publishes a fresh, empty list
        if ca is None:
            return []
        from signing.demo_pki import crl
        return [crl(ca)]

    return KeyStore(keys_dir=Path(app.config["GUICHET_SIGNER_KEYS_DIR"]), authorization_key=authorization_key,
                    pkcs11_module=app.config["GUICHET_PKCS11_MODULE"],
                    seal_secrets=Path(app.config["GUICHET_SEAL_SECRETS_DIR"]), tsa_url=tsa,
                    level=app.config["GUICHET_SIGNING_LEVEL"] or ("B-B" if not tsa else "B-LTA" if tsa_trust else "B-T"),
                    trust=lambda: [p.read_bytes() for p in tsa_trust if p.exists()], demo_ca=demo_ca, crls=crls,
                    professional_ca=professional_ca)


def _audit_mirror(app: Flask) -> Path:
    """Where signed checkpoints are mirrored: outside the database, beside the file store
    (shared by every node) unless GUICHET_AUDIT_CHECKPOINTS says otherwise."""
    configured = app.config.get("GUICHET_AUDIT_CHECKPOINTS")
    return Path(configured) if configured else Path(app.config["GUICHET_STORAGE_DIR"]).parent / "audit-checkpoints"


def _audit_key_loader(app: Flask) -> Callable[[], Any]:
    """The audit checkpoints' key, read once. Unreadable: None, and an error in the log at
    every use (no checkpoint is written, `audit verify` fails), but dossiers keep moving."""
    path = app.config["GUICHET_AUDIT_KEY"]
    loaded: list[Any] = []

    def get() -> Any:
        if not loaded:
            from engine.checkpoints import CheckpointKey
            try:
                loaded.append(CheckpointKey.load(path))
            except (OSError, ValueError) as exc:
                app.logger.error("audit key %s unreadable (%s): no audit checkpoint is written", path, exc)
                return None
        return loaded[0]
    return get


def _timestamper(app: Flask) -> Callable[[bytes], bytes] | None:
    url = app.config["GUICHET_TSA_URL"]
    if not url:
        return None

    def stamp(data: bytes) -> bytes:
        from signing.timestamp import stamp as rfc3161
        return rfc3161(data, url)
    return stamp


def _trust_roots(app: Flask) -> Callable[[], list[bytes]]:
    """The trust anchors (PEM files): GUICHET_SIGNING_TRUST, ``:``-separated, else the demo CA."""
    paths = [Path(p) for p in app.config["GUICHET_SIGNING_TRUST"].split(":") if p]

    def get() -> list[bytes]:
        return [p.read_bytes() for p in paths if p.exists()]
    return get


def _signer_loader(app: Flask) -> Callable[[], Any]:
    """The president's signer, loaded on first use and then kept: once per process."""
    loaded: list[Any] = []
    lock = threading.Lock()
    path = Path(app.config["GUICHET_SIGNING_P12"])
    passphrase = app.config["GUICHET_SIGNING_PASSPHRASE"]
    tsa = app.config["GUICHET_TSA_URL"]

    def get() -> Any:
        with lock:
            if not loaded:
                if not path.exists():
                    return None
                from signing.sign import Signer
                secret = passphrase or (path.parent / "passphrase").read_text().strip()
                loaded.append(Signer.from_pkcs12(path, secret, tsa_url=tsa))
            return loaded[0]
    return get


def get_engine(app: Flask) -> Engine:
    return app.extensions["guichet.engine"]
