"""Signing benchmark: render, sign, verify one decision — our endesive path vs pyHanko.

Per document, median milliseconds of each phase, over interleaved rounds (this machine is
shared and noisy: only ratios measured in the same run mean anything):

  ours      render (signing.render) + sign (signing.sign.Signer: endesive, key opened once)
            + verify (signing.verify: pyHanko's validator)
  baseline  the same render and verify, signing with a tuned pyHanko PdfSigner: key loaded
            once (pyHanko's SimpleSigner re-parses its key for every signature; this one
            keeps the parsed key), bytes_reserved set so the document is written once,
            same subfilter (adbe.pkcs7.detached) and digest (SHA-256)

Both sign with the DEMO president's RSA-3072 key (a fresh demo PKI in a temporary
directory) and every signed PDF is checked valid. Targets: ours <= 1.3x the baseline, and
>= 10 documents/s on one core (render + sign + verify).

    .venv/bin/python bench/signing.py                 # or: --documents 40 --rounds 5
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

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.fields import SigSeedSubFilter  # noqa: E402
from pyhanko.sign.general import get_pyca_cryptography_hash  # noqa: E402

from signing import demo_pki  # noqa: E402
from signing.render import decision_pdf  # noqa: E402
from signing.sign import Signer  # noqa: E402
from signing.verify import verify  # noqa: E402
from tests.signing.samples import DECISION  # noqa: E402

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


def pyhanko_signer(p12: Path) -> Callable[[bytes], bytes]:
    base = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=PASSPHRASE.encode())
    assert base is not None
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Signature1", md_algorithm="sha256",
                                     subfilter=SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
                                     reason="Décision", location="Casablanca"),
        signer=KeptKeySigner(base))

    def sign(pdf: bytes) -> bytes:
        out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=8192)
        return out.getvalue()  # type: ignore[union-attr]

    return sign


def run(n: int, offset: int, sign: Callable[[bytes], bytes], roots: list[bytes],
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
        assert result.valid, result.problems
        for phase, spent in zip(PHASES, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            times[phase].append(spent * 1000)
        times["total"].append((t3 - t0) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=30, help="documents per round and variant")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        pki = demo_pki.create(Path(tmp), PASSPHRASE)
        roots = [pki.ca_certificate.read_bytes()]
        ours = Signer.from_pkcs12(pki.president_pkcs12, PASSPHRASE)

        def endesive_sign(pdf: bytes) -> bytes:
            return ours.sign(pdf, reason="Décision", location="Casablanca").pdf

        variants = {"ours (endesive)": endesive_sign, "baseline (pyHanko)": pyhanko_signer(pki.president_pkcs12)}
        times: dict[str, dict[str, list[float]]] = {name: {k: [] for k in (*PHASES, "total")}
                                                     for name in variants}
        for sign in variants.values():  # warm up: fonts, imports, caches
            run(3, 0, sign, roots, {k: [] for k in (*PHASES, "total")})
        for r in range(args.rounds):
            order = list(variants) if r % 2 == 0 else list(reversed(variants))
            for name in order:
                run(args.documents, r * args.documents, variants[name], roots, times[name])

    medians = {name: {k: statistics.median(v) for k, v in t.items()} for name, t in times.items()}
    print(f"{args.rounds} rounds x {args.documents} documents per variant, median ms per document")
    print(f"{'':22}" + "".join(f"{k:>10}" for k in (*PHASES, "total")) + f"{'docs/s':>10}")
    for name, m in medians.items():
        print(f"{name:22}" + "".join(f"{m[k]:10.1f}" for k in (*PHASES, "total"))
              + f"{1000 / m['total']:10.1f}")
    a, b = medians["ours (endesive)"], medians["baseline (pyHanko)"]
    print(f"{'ratio ours/baseline':22}" + "".join(f"{a[k] / b[k]:10.2f}" for k in (*PHASES, "total")))
    ok = a["total"] / b["total"] <= 1.3 and 1000 / a["total"] >= 10
    print(f"targets (total <= 1.3x baseline, >= 10 documents/s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
