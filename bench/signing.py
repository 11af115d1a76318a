"""Signing benchmark: render, sign, verify one decision at PAdES B-B, B-T and B-LT —
our signer (signing.sign.Signer) vs a tuned pyHanko baseline.

Per document, median milliseconds of each phase, over interleaved rounds (this machine is
shared and noisy: only ratios measured in the same run mean anything):

  ours      render (signing.render) + sign (signing.sign.Signer: key opened once, OCSP
            asked and revocation checked before signing at B-LT) + verify (signing.verify,
            with the PAdES level it reports checked)
  baseline  the same render and verify, signing with a tuned pyHanko PdfSigner: key loaded
            once (pyHanko's SimpleSigner re-parses its key for every signature; this one
            keeps the parsed key), bytes_reserved set so the document is written once,
            same subfilter (ETSI.CAdES.detached), digest (SHA-256), TSA and, at B-LT,
            validation data fetched by pyHanko from the certificate's OCSP responder

The time-stamping authority (``openssl ts``) and the OCSP responder run on loopback, as in
the tests (tests/signing/servers.py). Both sign with a DEMO president RSA-3072 key (a fresh
demo PKI in a temporary directory) and every signed PDF is checked valid at its level.
Target: ours <= 1.3x the baseline at each level.

    .venv/bin/python bench/signing.py                 # or: --documents 20 --rounds 3
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asn1crypto import pem  # noqa: E402
from asn1crypto import x509 as asn1_x509  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.fields import SigSeedSubFilter  # noqa: E402
from pyhanko.sign.general import get_pyca_cryptography_hash  # noqa: E402
from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402

from signing import demo_pki  # noqa: E402
from signing.render import decision_pdf  # noqa: E402
from signing.sign import Signer  # noqa: E402
from signing.verify import verify  # noqa: E402
from tests.signing.samples import DECISION  # noqa: E402
from tests.signing.servers import OcspResponder, Tsa  # noqa: E402

PASSPHRASE = "benchmark passphrase"
PHASES = ("render", "sign", "verify")


class KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner with its private key parsed once, not per signature."""

    def __init__(self, base: signers.SimpleSigner) -> None:
        super().__init__(signing_cert=base.signing_cert, signing_key=base.signing_key,
                         cert_registry=base.cert_registry)
        key = serialization.load_der_private_key(base.signing_key.dump(), password=None)
        assert isinstance(key, RSAPrivateKey)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def pyhanko_signer(p12: Path, level: str, tsa_url: str, trust: list[bytes]) -> Callable[[bytes], bytes]:
    base = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE.encode())
    assert base is not None
    long_term = level == "B-LT"
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(d) for data in trust for d in _ders(data)],
        allow_fetching=True, revocation_mode="soft-fail") if long_term else None
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                     subfilter=SigSeedSubFilter.PADES, reason="Décision",
                                     location="Casablanca", embed_validation_info=long_term,
                                     validation_context=context),
        signer=KeptKeySigner(base),
        timestamper=HTTPTimeStamper(tsa_url) if level != "B-B" else None)

    def sign(pdf: bytes) -> bytes:
        out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=24576)
        return out.getvalue()  # type: ignore[union-attr]

    return sign


def _ders(data: bytes) -> list[bytes]:
    return [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]


def run(n: int, offset: int, sign: Callable[[bytes], bytes], roots: list[bytes], level: str,
        times: dict[str, list[float]]) -> None:
    for i in range(n):
        doc = dataclasses.replace(DECISION, dossier_number=f"GUU-2026-{offset + i:06d}")
        t0 = time.perf_counter()
        pdf = decision_pdf(doc)
        t1 = time.perf_counter()
        signed = sign(pdf)
        t2 = time.perf_counter()
        result = verify(signed, roots)
        t3 = time.perf_counter()
        assert result.valid and result.level == level, (level, result.level, result.problems)
        for phase, spent in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            times[phase].append(spent * 1000)
        times["total"].append((t3 - t0) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=20, help="documents per round, variant and level")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        tsa_root = demo_pki.issue(demo_pki.name("Guichet DEMO TSA Root"), ca=True, key=demo_pki.new_key(2048))
        tsa_unit = demo_pki.issue(demo_pki.name("Guichet DEMO TSA"), issuer=tsa_root, key=demo_pki.new_key(2048),
                                  extended_usage=[ExtendedKeyUsageOID.TIME_STAMPING])
        tsa = Tsa(base / "tsa", tsa_unit, [tsa_root.certificate])
        pki = demo_pki.create(base / "pki", PASSPHRASE)
        ca = demo_pki.load_ca(pki, PASSPHRASE)
        responder = OcspResponder(ca, [])
        # a president certificate naming the loopback responder, as a real CA's would
        president = demo_pki.issue(demo_pki.name("DEMO Président (bench)"), issuer=ca, ocsp_url=responder.url)
        responder.known[president.certificate.serial_number] = president.certificate
        p12 = base / "president.p12"
        p12.write_bytes(demo_pki.pkcs12_bytes(president, PASSPHRASE, "president", [ca.certificate]))
        tsa_pem = demo_pki.pem(tsa_root.certificate)
        roots = [pki.ca_certificate.read_bytes(), tsa_pem]
        try:
            for level in ("B-B", "B-T", "B-LT"):
                ours = Signer.from_pkcs12(p12, PASSPHRASE, level=level,  # type: ignore[arg-type]
                                          tsa_url=tsa.url if level != "B-B" else None, tsa_required=level != "B-B",
                                          ocsp_url=responder.url if level == "B-LT" else None,
                                          ocsp_required=level == "B-LT", trust=[tsa_pem])

                def our_sign(pdf: bytes, signer: Signer = ours) -> bytes:
                    return signer.sign(pdf, reason="Décision", location="Casablanca").pdf

                verdicts.append(measure(level, {"ours": our_sign, "baseline (pyHanko)": pyhanko_signer(
                    p12, level, tsa.url, roots)}, roots, args))
        finally:
            tsa.stop()
            responder.stop()
    print(f"targets (total <= 1.3x baseline at B-B, B-T, B-LT): {'met' if all(verdicts) else 'NOT met'}")


def measure(level: str, variants: dict[str, Callable[[bytes], bytes]], roots: list[bytes],
            args: argparse.Namespace) -> bool:
    times: dict[str, dict[str, list[float]]] = {name: {k: [] for k in (*PHASES, "total")} for name in variants}
    for sign in variants.values():  # warm up: fonts, imports, caches, connections
        run(2, 0, sign, roots, level, {k: [] for k in (*PHASES, "total")})
    for r in range(args.rounds):
        order = list(variants) if r % 2 == 0 else list(reversed(variants))
        for name in order:
            run(args.documents, r * args.documents, variants[name], roots, level, times[name])
    medians = {name: {k: statistics.median(v) for k, v in t.items()} for name, t in times.items()}
    print(f"PAdES {level}: {args.rounds} rounds x {args.documents} documents per variant, median ms per document")
    print(f"{'':22}" + "".join(f"{k:>10}" for k in (*PHASES, "total")) + f"{'docs/s':>10}")
    for name, m in medians.items():
        print(f"{name:22}" + "".join(f"{m[k]:10.1f}" for k in (*PHASES, "total"))
              + f"{1000 / m['total']:10.1f}")
    a, b = medians["ours"], medians["baseline (pyHanko)"]
    print(f"{'ratio ours/baseline':22}" + "".join(f"{a[k] / b[k]:10.2f}" for k in (*PHASES, "total")))
    return a["total"] / b["total"] <= 1.3


if __name__ == "__main__":
    main()
