"""Local services the signing tests talk to, on 127.0.0.1 only.

* :class:`Tsa` — an RFC 3161 time-stamping authority: a tiny ``http.server`` handing each
  query to ``openssl ts -reply`` (a TSA implementation we did not write);
* :class:`OcspResponder` — an OCSP responder answering from a table of revoked serials,
  with responses built and signed by ``cryptography``.

Both bind an ephemeral port on 127.0.0.1 and are stopped by the fixture that started them.
"""
from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from signing.demo_pki import Issued

TSA_CONFIG = """\
[ tsa ]
default_tsa = guichet_test_tsa

[ guichet_test_tsa ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
certs = $dir/chain.pem
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


class _Server:
    """An HTTP server on 127.0.0.1:<ephemeral> answering POSTs with ``answer(body)``."""

    content_type = "application/octet-stream"

    def __init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                reply = outer.answer(body)
                self.send_response(200)
                self.send_header("Content-Type", outer.content_type)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.requests = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def answer(self, body: bytes) -> bytes:
        raise NotImplementedError

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


class Tsa(_Server):
    """``openssl ts -reply`` behind HTTP, signing with ``tsa`` (chain: ``chain``)."""

    content_type = "application/timestamp-reply"

    def __init__(self, directory: Path, tsa: Issued, chain: list[x509.Certificate]) -> None:
        self.dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "tsa.pem").write_bytes(tsa.certificate.public_bytes(serialization.Encoding.PEM))
        (directory / "tsa.key").write_bytes(tsa.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        (directory / "chain.pem").write_bytes(b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in [tsa.certificate, *chain]))
        (directory / "serial").write_text("01\n")
        (directory / "openssl.cnf").write_text(TSA_CONFIG.format(dir=directory))
        self._lock = threading.Lock()
        super().__init__()

    def answer(self, body: bytes) -> bytes:
        with self._lock, tempfile.TemporaryDirectory(dir=self.dir) as tmp:
            query, reply = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
            query.write_bytes(body)
            subprocess.run(["openssl", "ts", "-reply", "-config", str(self.dir / "openssl.cnf"),
                            "-queryfile", str(query), "-out", str(reply)],
                           check=True, capture_output=True, timeout=20)
            self.requests += 1
            return reply.read_bytes()


class OcspResponder(_Server):
    """Answers for certificates issued by ``ca``: good, unless their serial is in ``revoked``."""

    content_type = "application/ocsp-response"

    def __init__(self, ca: Issued, certificates: list[x509.Certificate],
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.ca = ca
        self.known = {c.serial_number: c for c in certificates}
        self.revoked: set[int] = set()
        self.now = now
        super().__init__()

    def answer(self, body: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(body)
        cert = self.known.get(request.serial_number)
        self.requests += 1
        if cert is None:
            return ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
        now = self.now().replace(microsecond=0)
        revoked = cert.serial_number in self.revoked
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=self.ca.certificate, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now - timedelta(minutes=1), next_update=now + timedelta(days=1),
            revocation_time=now - timedelta(hours=1) if revoked else None,
            revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca.certificate)
        return builder.sign(self.ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
