"""What :mod:`signing.sign` needs around pyHanko: a pyHanko signer over a key we hold (a
parsed RSA key or a token key), its signing session with a claimed time, and a way to run its
coroutines from any thread."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .keys import der


class _KnownData(logging.Filter):
    """pyHanko warns when it embeds validation data without fetching any: here that data
    (the OCSP answer we fetched, the configured CRLs) is handed over on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_KnownData())


class RawSigner(signers.Signer):
    """pyHanko's signer interface over a key we hold: a parsed RSA key or a token key."""

    def __init__(self, cert: x509.Certificate, chain: Sequence[x509.Certificate],
                 sign_raw: Callable[[bytes], bytes]) -> None:
        certs = [asn1_x509.Certificate.load(d) for d in der([cert, *chain])]
        super().__init__(signing_cert=certs[0], cert_registry=SimpleCertificateStore.from_certs(certs[1:]),
                         signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}))
        self._sign_raw = sign_raw
        self._size = cert.public_key().key_size // 8  # type: ignore[union-attr]

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(self._size)
        return self._sign_raw(data)


def run(coro: Coroutine[Any, Any, bytes]) -> bytes:
    """Run pyHanko's coroutine to its end, also from a thread whose event loop is running
    (then in a short-lived thread of its own: ``asyncio.run`` refuses a running loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def sign_at(pdf_signer: signers.PdfSigner, writer: IncrementalPdfFileWriter, when: datetime,
                  reserved: int) -> bytes:
    """pyHanko's ``async_sign_pdf`` with the claimed time ``when`` (pyHanko takes "now")."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = when
    validation_info = await session.perform_presign_validation(writer)
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved)
    digest, output = tbs.digest_tbs_document()
    post = await tbs.perform_signature(
        document_digest=digest.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=when))
    await post.post_signature_processing(output)
    output.seek(0)
    return bytes(output.read())
