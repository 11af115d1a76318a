"""Configuration from environment variables (``GUICHET_`` prefix), with embedded defaults.

| variable | default | meaning |
|---|---|---|
| DATABASE_URL | sqlite:///instance/guichet.sqlite | SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://…) |
| GUICHET_SECRET_KEY | generated into instance/secret_key | signs session cookies |
| GUICHET_PROCESSES_DIR | ./processes | diagrams, decision tables and forms that `processes deploy` reads |
| GUICHET_STORAGE_DIR | instance/files | content-addressed document store |
| GUICHET_BASE_URL | http://127.0.0.1:5000 | public address; QR codes on decisions point at <base>/verify/<code> |
| GUICHET_JOBS | inprocess | `inprocess` runs async jobs after commit; `celery` publishes them to the broker |
| GUICHET_SIGNING_P12 | instance/pki/president.p12 | the president's PKCS#12 key (`guichet pki demo` makes a DEMO one) |
| GUICHET_SIGNING_PASSPHRASE | (instance/pki/passphrase for the demo) | its passphrase |
| GUICHET_SIGNING_TRUST | instance/pki/demo-root-ca.pem | trust anchors for verification (PEM files, `:`-separated) |
| GUICHET_TSA_URL | unset | RFC 3161 time-stamping authority for signatures |
| GUICHET_TSA_TRUST | unset | the TSA's root certificate(s) (PEM files, `:`-separated), to gather validation data up to it |
| GUICHET_SIGNING_LEVEL | B-LTA with a TSA and GUICHET_TSA_TRUST, B-T with a TSA alone, else B-B | PAdES baseline level: B-B, B-T, B-LT or B-LTA |
| GUICHET_PKCS11_MODULE | unset | PKCS#11 module holding the signers' tokens (e.g. /usr/lib/softhsm/libsofthsm2.so) |
| GUICHET_SIGNING_CRLS | unset (the demo CA's, freshly signed, in the demo) | the CAs' revocation lists (files, `:`-separated): checked before signing and kept in the DSS |
| GUICHET_PROFESSIONAL_TRUST | unset (demo: `architecte` trusts the DEMO order of architects' CA, instance/pki/demo-architecte-ca.pem) | the professions' trust anchors for signed plans: `architecte=/etc/oa-ca.pem;igt=/etc/igt-ca.pem` |
| GUICHET_SIGNER_KEYS_DIR | instance/pki/signers | signers' encrypted PKCS#12 files (when not in a token) |
| GUICHET_SEAL_SECRETS_DIR | instance/pki/seals | `<commune>.secret`: the secret opening each commune's seal key |
| GUICHET_SIGNING_AUTHORIZATION_KEY | generated into instance/signing_authorization_key | seals the PIN handed to the signature job; keep it off the database and the broker |
| GUICHET_SECURE_COOKIES | 0 | 1 behind HTTPS: Secure cookies and HSTS |
| GUICHET_CELERY_QUEUE | guichet | the queue workers consume |
| GUICHET_TIMER_INTERVAL | 5 | seconds between timer wake-ups (beat, or the embedded ticker) |
| GUICHET_SMTP_HOST, _PORT, _FROM, _USER, _PASSWORD, _STARTTLS | unset, 25, guichet@localhost | e-mail relay; unset: messages are recorded on the dossier only |
| CELERY_BROKER_URL | amqp://guest:guest@127.0.0.1:5672// | RabbitMQ, when GUICHET_JOBS=celery |
| SOCKETIO_MESSAGE_QUEUE | unset | several web nodes share the visio rooms through it (redis://… or amqp://…); unset: one node |
| GUICHET_ICE_SERVERS | [] (none: same network only) | WebRTC ICE servers (STUN/TURN) of the visio room, a JSON list (README: coturn) |
| GUICHET_AUDIT_KEY | generated into instance/audit_key | HMAC key signing the audit checkpoints; keep it off the database server |
| GUICHET_AUDIT_CHECKPOINTS | audit-checkpoints beside GUICHET_STORAGE_DIR | folder mirroring each signed checkpoint outside the database |
| GUICHET_TRUSTED_PROXIES | 0 | number of reverse proxies (load balancers) before the app whose X-Forwarded-For / -Proto are trusted (ProxyFix); 0: the socket's address |
| GUICHET_DB_PRE_PING | 0 | 1: test each pooled connection before use (one more round trip per checkout) |
| GUICHET_DB_POOL_SIZE, GUICHET_DB_MAX_OVERFLOW | 5, 10 | connections each process keeps, and may open beyond that |
| GUICHET_DB_POOL_TIMEOUT | 0.5 | seconds a request waits for a free connection before a 503 with Retry-After |
| GUICHET_DB_LOCK_TIMEOUT | 0.5 | seconds a step waits for a dossier another step holds (PostgreSQL lock_timeout) before a 409 with Retry-After |
| GUICHET_DB_BUSY_TIMEOUT | 10 | SQLite: seconds a writer queues for the write lock before a 503 with Retry-After |
| GUICHET_MAX_JSON_BYTES, GUICHET_MAX_JSON_DEPTH | 1048576, 64 | largest JSON body (413 beyond) and deepest nesting (400 beyond) |
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


def _secret_key(instance: Path) -> str:
    """A per-installation key kept under instance/ (never in the repository)."""
    from engine.checkpoints import create_secret_file
    path = instance / "secret_key"
    create_secret_file(path, secrets.token_hex(32))
    return path.read_text().strip()


def _audit_key(instance: Path) -> str:
    """The audit checkpoints' key file, generated at set-up under instance/ (never in the
    repository, never in the database)."""
    from engine.checkpoints import CheckpointKey
    path = instance / "audit_key"
    CheckpointKey.load(path, create=True)
    return str(path)


def _authorization_key(instance: Path) -> str:
    """The key sealing the PINs handed to the signature job: a file on the application hosts,
    generated once under instance/ (never in the repository, never in the database)."""
    from engine.checkpoints import create_secret_file
    path = instance / "signing_authorization_key"
    create_secret_file(path, secrets.token_hex(32))
    return str(path)


def _ice_servers(value: str | None) -> list[dict[str, Any]]:
    """GUICHET_ICE_SERVERS as a list of RTCIceServer objects; none by default (members on
    one network reach each other directly; production sets STUN and TURN)."""
    if not value:
        return []
    servers = json.loads(value)
    if not isinstance(servers, list) or not all(isinstance(s, dict) and "urls" in s for s in servers):
        raise ValueError("GUICHET_ICE_SERVERS must be a JSON list of {urls, username?, credential?}")
    return servers


def from_environment(instance: Path) -> dict[str, Any]:
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ
    return {
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", f"sqlite:///{instance / 'guichet.sqlite'}"),
        "SECRET_KEY": env.get("GUICHET_SECRET_KEY") or _secret_key(instance),
        "GUICHET_PROCESSES_DIR": env.get("GUICHET_PROCESSES_DIR", str(Path.cwd() / "processes")),
        "GUICHET_STORAGE_DIR": env.get("GUICHET_STORAGE_DIR", str(instance / "files")),
        "GUICHET_JOBS": env.get("GUICHET_JOBS", "inprocess"),
        "GUICHET_BASE_URL": env.get("GUICHET_BASE_URL", "http://127.0.0.1:5000"),
        "CELERY_BROKER_URL": env.get("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"),
        "GUICHET_CELERY_QUEUE": env.get("GUICHET_CELERY_QUEUE", "guichet"),
        "GUICHET_TIMER_INTERVAL": env.get("GUICHET_TIMER_INTERVAL", "5"),
        "GUICHET_TEST_HOLD_DIR": env.get("GUICHET_TEST_HOLD_DIR"),  # tests only: jobs wait to be released
        "GUICHET_SMTP_HOST": env.get("GUICHET_SMTP_HOST"),
        "GUICHET_SMTP_PORT": env.get("GUICHET_SMTP_PORT", "25"),
        "GUICHET_SMTP_FROM": env.get("GUICHET_SMTP_FROM", "guichet@localhost"),
        "GUICHET_SMTP_USER": env.get("GUICHET_SMTP_USER"),
        "GUICHET_SMTP_PASSWORD": env.get("GUICHET_SMTP_PASSWORD"),
        "GUICHET_SMTP_STARTTLS": env.get("GUICHET_SMTP_STARTTLS", "0") == "1",
        "SOCKETIO_MESSAGE_QUEUE": env.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "GUICHET_ICE_SERVERS": _ice_servers(env.get("GUICHET_ICE_SERVERS")),
        # A pooled connection is used as is: a request that meets one the database dropped
        # gets a 503 (nothing written) and the pool is refreshed. Pinging before every
        # checkout would cost a round trip each time, three per task completion.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": env.get("GUICHET_DB_PRE_PING", "0") == "1",
                                      "pool_recycle": 1800},
        "GUICHET_DB_POOL_SIZE": int(env.get("GUICHET_DB_POOL_SIZE", "5")),
        "GUICHET_DB_MAX_OVERFLOW": int(env.get("GUICHET_DB_MAX_OVERFLOW", "10")),
        "GUICHET_DB_POOL_TIMEOUT": float(env.get("GUICHET_DB_POOL_TIMEOUT", "0.5")),
        "GUICHET_DB_LOCK_TIMEOUT": float(env.get("GUICHET_DB_LOCK_TIMEOUT", "0.5")),
        "GUICHET_DB_BUSY_TIMEOUT": float(env.get("GUICHET_DB_BUSY_TIMEOUT", "10")),
        "GUICHET_MAX_JSON_BYTES": int(env.get("GUICHET_MAX_JSON_BYTES", str(1024 * 1024))),
        "GUICHET_MAX_JSON_DEPTH": int(env.get("GUICHET_MAX_JSON_DEPTH", "64")),
        "GUICHET_SIGNING_P12": env.get("GUICHET_SIGNING_P12", str(instance / "pki" / "president.p12")),
        "GUICHET_SIGNING_PASSPHRASE": env.get("GUICHET_SIGNING_PASSPHRASE"),
        "GUICHET_TSA_URL": env.get("GUICHET_TSA_URL"),
        "GUICHET_TSA_TRUST": env.get("GUICHET_TSA_TRUST", ""),
        "GUICHET_SIGNING_LEVEL": env.get("GUICHET_SIGNING_LEVEL"),
        "GUICHET_PKCS11_MODULE": env.get("GUICHET_PKCS11_MODULE"),
        "GUICHET_SIGNING_CRLS": env.get("GUICHET_SIGNING_CRLS", ""),
        "GUICHET_PROFESSIONAL_TRUST": env.get("GUICHET_PROFESSIONAL_TRUST", ""),
        "GUICHET_SIGNER_KEYS_DIR": env.get("GUICHET_SIGNER_KEYS_DIR", str(instance / "pki" / "signers")),
        "GUICHET_SEAL_SECRETS_DIR": env.get("GUICHET_SEAL_SECRETS_DIR", str(instance / "pki" / "seals")),
        "GUICHET_SIGNING_AUTHORIZATION_KEY": env.get("GUICHET_SIGNING_AUTHORIZATION_KEY")
        or _authorization_key(instance),
        # how many reverse proxies stand before the app: their X-Forwarded-For/-Proto are trusted
        "GUICHET_TRUSTED_PROXIES": int(env.get("GUICHET_TRUSTED_PROXIES", "0")),
        "GUICHET_AUDIT_KEY": env.get("GUICHET_AUDIT_KEY") or _audit_key(instance),
        "GUICHET_AUDIT_CHECKPOINTS": env.get("GUICHET_AUDIT_CHECKPOINTS"),  # unset: beside the file store
        "GUICHET_SIGNING_TRUST": env.get("GUICHET_SIGNING_TRUST", str(instance / "pki" / "demo-root-ca.pem")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("GUICHET_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
    }


def in_memory_sqlite(url: str) -> bool:
    """An in-memory SQLite database: one connection, one process."""
    return url.startswith("sqlite") and (":memory:" in url or url.rstrip("/") == "sqlite:")


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options for the configured database: bounded waits everywhere.

    A request waits at most GUICHET_DB_POOL_TIMEOUT for a pooled connection and a step at
    most GUICHET_DB_LOCK_TIMEOUT for a dossier's lock (PostgreSQL, set per connection: no
    round trip per transaction) or GUICHET_DB_BUSY_TIMEOUT for SQLite's write lock; past
    that the answer is a quick 503 or 409 with Retry-After instead of a 500 after 30 s.
    """
    url = str(config["SQLALCHEMY_DATABASE_URI"])
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    sqlite = url.startswith("sqlite")
    in_memory = in_memory_sqlite(url)
    if sqlite:
        options.setdefault("connect_args", {"timeout": float(config["GUICHET_DB_BUSY_TIMEOUT"])})
    if url.startswith("postgresql"):
        lock_ms = int(float(config["GUICHET_DB_LOCK_TIMEOUT"]) * 1000)
        options.setdefault("connect_args", {"options": f"-c lock_timeout={lock_ms}"})
    if not in_memory:  # an in-memory SQLite has a single connection, no queue
        options.setdefault("pool_size", int(config["GUICHET_DB_POOL_SIZE"]))
        options.setdefault("max_overflow", int(config["GUICHET_DB_MAX_OVERFLOW"]))
        options.setdefault("pool_timeout", float(config["GUICHET_DB_POOL_TIMEOUT"]))
    return options
