"""PDF rendering (reportlab), PAdES baseline signing and verification (pyHanko).

A library with no Flask and no database; the procedures call it through handlers:

* :mod:`signing.render` — ``decision_pdf(DecisionDocument)``, ``receipt_pdf(ReceiptDocument)``:
  bilingual French/Arabic documents with a QR code to ``<base_url>/verify/<code>``;
* :mod:`signing.sign` — ``Signer.from_pkcs12(...)`` / ``Signer.from_pkcs11(...)``, created
  once per process, and ``signer.sign(pdf, reason=…, location=…) -> SignedPdf``;
* :mod:`signing.verify` — ``verify(pdf, trust_roots) -> Verification`` (with the PAdES level,
  :mod:`signing.pades`);
* :mod:`signing.demo_pki` — ``create(directory, passphrase)``: a DEMO CA and president;
* :mod:`signing.cli` — the ``pki`` click group (``pki demo TARGET_DIR``);
* :mod:`signing.errors` — every error raised, all :class:`~signing.errors.SigningError`.
"""
